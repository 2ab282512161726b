{{ recover_deduplicate('GarminActivityDetailsSummary') }}
