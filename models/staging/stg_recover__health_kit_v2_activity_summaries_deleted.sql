{{ recover_staging('HealthKitV2ActivitySummaries_Deleted') }}
