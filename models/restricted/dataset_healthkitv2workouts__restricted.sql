{{ recover_restricted('HealthKitV2Workouts') }}
