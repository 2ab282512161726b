{{ recover_child('HealthKitV2Electrocardiogram', 'SubSamples') }}
