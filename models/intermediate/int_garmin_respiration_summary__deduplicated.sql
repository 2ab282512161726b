{{ recover_deduplicate('GarminRespirationSummary') }}
