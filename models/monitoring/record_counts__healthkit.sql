{{ recover_record_counts_group([
    'HealthKitV2Samples',
    'HealthKitV2Statistics',
    'HealthKitV2ActivitySummaries',
    'HealthKitV2Electrocardiogram',
    'HealthKitV2Workouts',
    'HealthKitV2Heartbeat'
]) }}
