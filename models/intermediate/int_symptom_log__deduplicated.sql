{{ recover_deduplicate('SymptomLog') }}
