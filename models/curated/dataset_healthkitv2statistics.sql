{{ recover_curated('HealthKitV2Statistics') }}
