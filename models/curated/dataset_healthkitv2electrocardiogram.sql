{{ recover_parent('HealthKitV2Electrocardiogram') }}
