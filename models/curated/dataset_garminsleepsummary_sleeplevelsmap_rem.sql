{{ recover_child('GarminSleepSummary', 'SleepLevelsMap_rem') }}
