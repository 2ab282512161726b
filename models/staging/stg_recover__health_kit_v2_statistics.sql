{{ recover_staging('HealthKitV2Statistics') }}
