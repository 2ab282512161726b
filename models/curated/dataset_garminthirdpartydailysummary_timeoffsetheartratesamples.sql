{{ recover_curated('GarminThirdPartyDailySummary', 'TimeOffsetHeartRateSamples') }}
