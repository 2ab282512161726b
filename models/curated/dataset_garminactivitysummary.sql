{{ recover_parent('GarminActivitySummary') }}
