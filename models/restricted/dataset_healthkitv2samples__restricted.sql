{{ recover_restricted('HealthKitV2Samples') }}
