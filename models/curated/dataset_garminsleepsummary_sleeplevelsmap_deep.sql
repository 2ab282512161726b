{{ recover_curated('GarminSleepSummary', 'SleepLevelsMap_deep') }}
