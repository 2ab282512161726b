{{ recover_curated('GarminEpochSummary') }}
