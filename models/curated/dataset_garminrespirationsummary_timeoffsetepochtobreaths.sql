{{ recover_child('GarminRespirationSummary', 'TimeOffsetEpochToBreaths') }}
