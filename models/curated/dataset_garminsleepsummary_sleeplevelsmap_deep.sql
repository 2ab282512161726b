{{ recover_child('GarminSleepSummary', 'SleepLevelsMap_deep') }}
