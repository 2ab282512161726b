{{ recover_deduplicate('GarminHrvSummary') }}
