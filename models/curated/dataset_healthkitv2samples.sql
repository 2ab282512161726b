{{ recover_parent('HealthKitV2Samples') }}
