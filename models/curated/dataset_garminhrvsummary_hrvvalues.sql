{{ recover_curated('GarminHrvSummary', 'HrvValues') }}
