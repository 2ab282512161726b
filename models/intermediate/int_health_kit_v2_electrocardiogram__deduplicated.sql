{{ recover_deduplicate('HealthKitV2Electrocardiogram') }}
