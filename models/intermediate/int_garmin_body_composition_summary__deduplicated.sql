{{ recover_deduplicate('GarminBodyCompositionSummary') }}
