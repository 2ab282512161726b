{{ recover_curated('GarminActivitySummary') }}
