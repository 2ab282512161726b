{{ recover_staging('HealthKitV2ActivitySummaries') }}
