{{ recover_parent('GarminHrvSummary') }}
