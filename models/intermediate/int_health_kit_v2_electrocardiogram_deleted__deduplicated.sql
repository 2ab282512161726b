{{ recover_deduplicate('HealthKitV2Electrocardiogram_Deleted') }}
