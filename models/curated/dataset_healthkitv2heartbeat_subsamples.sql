{{ recover_child('HealthKitV2Heartbeat', 'SubSamples') }}
