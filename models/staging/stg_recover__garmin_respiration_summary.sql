{{ recover_staging('GarminRespirationSummary') }}
