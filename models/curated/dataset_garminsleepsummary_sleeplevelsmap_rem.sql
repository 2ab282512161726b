{{ recover_curated('GarminSleepSummary', 'SleepLevelsMap_rem') }}
