{{ recover_deduplicate('HealthKitV2Workouts') }}
