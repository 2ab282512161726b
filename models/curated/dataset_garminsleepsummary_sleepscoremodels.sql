{{ recover_child('GarminSleepSummary', 'SleepScoreModels') }}
