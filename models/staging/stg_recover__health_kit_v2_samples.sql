{{ recover_staging('HealthKitV2Samples') }}
