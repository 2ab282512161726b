{{ recover_child('GarminThirdPartyDailySummary', 'TimeOffsetHeartRateSamples') }}
