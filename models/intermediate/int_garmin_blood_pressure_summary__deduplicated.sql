{{ recover_deduplicate('GarminBloodPressureSummary') }}
