{{ recover_staging('HealthKitV2Electrocardiogram') }}
