{{ recover_staging('HealthKitV2Statistics_Deleted') }}
