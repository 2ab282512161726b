{{ recover_curated('GarminRespirationSummary') }}
