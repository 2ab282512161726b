{{ recover_curated('GarminDailySummary', 'TimeOffsetHeartRateSamples') }}
