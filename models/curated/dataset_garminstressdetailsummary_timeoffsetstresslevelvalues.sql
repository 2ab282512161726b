{{ recover_child('GarminStressDetailSummary', 'TimeOffsetStressLevelValues') }}
