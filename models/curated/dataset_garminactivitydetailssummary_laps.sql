{{ recover_curated('GarminActivityDetailsSummary', 'Laps') }}
