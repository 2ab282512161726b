{{ recover_curated('GarminRespirationSummary', 'TimeOffsetEpochToBreaths') }}
