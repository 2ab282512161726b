{{ recover_deduplicate('HealthKitV2Heartbeat_Deleted') }}
