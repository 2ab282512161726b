{{ recover_deduplicate('HealthKitV2Heartbeat') }}
