{{ recover_staging('SymptomLog') }}
