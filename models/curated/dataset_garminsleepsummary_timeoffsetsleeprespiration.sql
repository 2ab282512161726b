{{ recover_child('GarminSleepSummary', 'TimeOffsetSleepRespiration') }}
