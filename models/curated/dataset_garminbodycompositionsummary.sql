{{ recover_curated('GarminBodyCompositionSummary') }}
