{{ recover_parent('GarminBodyCompositionSummary') }}
