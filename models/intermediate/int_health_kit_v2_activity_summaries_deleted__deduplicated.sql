{{ recover_deduplicate('HealthKitV2ActivitySummaries_Deleted') }}
