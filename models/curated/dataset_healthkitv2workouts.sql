{{ recover_parent('HealthKitV2Workouts') }}
