{{ recover_deduplicate('GarminEpochSummary') }}
