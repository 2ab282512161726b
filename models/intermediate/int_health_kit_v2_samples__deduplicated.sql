{{ recover_deduplicate('HealthKitV2Samples') }}
