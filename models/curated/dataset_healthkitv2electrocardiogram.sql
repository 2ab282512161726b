{{ recover_curated('HealthKitV2Electrocardiogram') }}
