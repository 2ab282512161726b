{{ recover_curated('GarminSleepSummary', 'TimeOffsetSleepSpo2') }}
