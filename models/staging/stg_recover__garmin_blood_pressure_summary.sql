{{ recover_staging('GarminBloodPressureSummary') }}
