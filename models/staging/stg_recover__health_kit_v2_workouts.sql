{{ recover_staging('HealthKitV2Workouts') }}
