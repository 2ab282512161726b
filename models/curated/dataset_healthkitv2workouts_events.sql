{{ recover_child('HealthKitV2Workouts', 'Events') }}
