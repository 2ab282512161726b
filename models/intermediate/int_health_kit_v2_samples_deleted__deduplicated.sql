{{ recover_deduplicate('HealthKitV2Samples_Deleted') }}
