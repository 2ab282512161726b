{{ recover_staging('GarminSleepSummary') }}
