{{ recover_staging('HealthKitV2Heartbeat') }}
