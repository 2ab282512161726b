{{ recover_curated('GarminSleepSummary', 'TimeOffsetSleepRespiration') }}
