{{ recover_deduplicate('GarminSleepSummary') }}
