{{ recover_child('GarminSleepSummary', 'SleepLevelsMap_awake') }}
