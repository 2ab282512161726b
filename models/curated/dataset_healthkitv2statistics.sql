{{ recover_parent('HealthKitV2Statistics') }}
