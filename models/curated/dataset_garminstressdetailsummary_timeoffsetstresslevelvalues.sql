{{ recover_curated('GarminStressDetailSummary', 'TimeOffsetStressLevelValues') }}
