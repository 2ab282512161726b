{{ recover_parent('GarminSleepSummary') }}
