{{ recover_staging('GarminHrvSummary') }}
