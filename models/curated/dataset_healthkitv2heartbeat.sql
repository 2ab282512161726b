{{ recover_parent('HealthKitV2Heartbeat') }}
