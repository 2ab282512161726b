{{ recover_curated('GarminSleepSummary', 'SleepScoreModels') }}
