{{ recover_staging('HealthKitV2Samples_Deleted') }}
