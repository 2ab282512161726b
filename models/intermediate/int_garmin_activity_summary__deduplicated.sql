{{ recover_deduplicate('GarminActivitySummary') }}
