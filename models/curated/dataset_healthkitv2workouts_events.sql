{{ recover_curated('HealthKitV2Workouts', 'Events') }}
