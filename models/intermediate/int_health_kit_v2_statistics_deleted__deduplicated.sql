{{ recover_deduplicate('HealthKitV2Statistics_Deleted') }}
