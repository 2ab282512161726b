{{ recover_curated('HealthKitV2Electrocardiogram', 'SubSamples') }}
