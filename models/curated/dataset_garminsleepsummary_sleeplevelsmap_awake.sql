{{ recover_curated('GarminSleepSummary', 'SleepLevelsMap_awake') }}
