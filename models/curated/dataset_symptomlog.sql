{{ recover_curated('SymptomLog') }}
