{{ recover_staging('HealthKitV2Electrocardiogram_Deleted') }}
