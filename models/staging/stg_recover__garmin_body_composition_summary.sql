{{ recover_staging('GarminBodyCompositionSummary') }}
