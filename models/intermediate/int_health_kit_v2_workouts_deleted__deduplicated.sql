{{ recover_deduplicate('HealthKitV2Workouts_Deleted') }}
