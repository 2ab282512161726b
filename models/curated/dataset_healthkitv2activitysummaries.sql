{{ recover_curated('HealthKitV2ActivitySummaries') }}
