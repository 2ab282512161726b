{{ recover_child('GarminSleepSummary', 'TimeOffsetSleepSpo2') }}
