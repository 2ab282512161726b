{{ recover_restricted('HealthKitV2Electrocardiogram') }}
