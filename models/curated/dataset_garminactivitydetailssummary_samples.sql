{{ recover_curated('GarminActivityDetailsSummary', 'Samples') }}
