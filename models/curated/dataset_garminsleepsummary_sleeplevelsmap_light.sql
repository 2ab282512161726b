{{ recover_curated('GarminSleepSummary', 'SleepLevelsMap_light') }}
