{{ recover_curated('GarminHrvSummary') }}
