{{ recover_child('GarminHrvSummary', 'HrvValues') }}
