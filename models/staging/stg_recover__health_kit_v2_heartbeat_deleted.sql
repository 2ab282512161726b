{{ recover_staging('HealthKitV2Heartbeat_Deleted') }}
