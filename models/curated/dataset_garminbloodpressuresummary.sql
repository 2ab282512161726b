{{ recover_curated('GarminBloodPressureSummary') }}
