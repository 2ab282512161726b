{{ recover_deduplicate('HealthKitV2Statistics') }}
