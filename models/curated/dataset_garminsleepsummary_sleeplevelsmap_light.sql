{{ recover_child('GarminSleepSummary', 'SleepLevelsMap_light') }}
