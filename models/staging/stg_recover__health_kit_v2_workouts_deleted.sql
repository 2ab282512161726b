{{ recover_staging('HealthKitV2Workouts_Deleted') }}
