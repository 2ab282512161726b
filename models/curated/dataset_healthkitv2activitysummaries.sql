{{ recover_parent('HealthKitV2ActivitySummaries') }}
