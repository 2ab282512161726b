{{ recover_curated('GarminActivityDetailsSummary') }}
