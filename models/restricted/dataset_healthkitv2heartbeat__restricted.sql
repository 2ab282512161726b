{{ recover_restricted('HealthKitV2Heartbeat') }}
