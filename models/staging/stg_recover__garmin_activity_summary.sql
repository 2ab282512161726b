{{ recover_staging('GarminActivitySummary') }}
