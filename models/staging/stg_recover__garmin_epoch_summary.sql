{{ recover_staging('GarminEpochSummary') }}
