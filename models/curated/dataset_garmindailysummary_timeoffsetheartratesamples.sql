{{ recover_child('GarminDailySummary', 'TimeOffsetHeartRateSamples') }}
