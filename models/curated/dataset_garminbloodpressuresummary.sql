{{ recover_parent('GarminBloodPressureSummary') }}
