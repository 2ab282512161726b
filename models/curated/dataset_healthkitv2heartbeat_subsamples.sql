{{ recover_curated('HealthKitV2Heartbeat', 'SubSamples') }}
