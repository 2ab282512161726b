{{ recover_curated('GarminSleepSummary') }}
