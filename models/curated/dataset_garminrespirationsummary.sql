{{ recover_parent('GarminRespirationSummary') }}
