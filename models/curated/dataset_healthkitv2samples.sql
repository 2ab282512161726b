{{ recover_curated('HealthKitV2Samples') }}
