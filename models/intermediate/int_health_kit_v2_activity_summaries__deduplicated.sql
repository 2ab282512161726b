{{ recover_deduplicate('HealthKitV2ActivitySummaries') }}
