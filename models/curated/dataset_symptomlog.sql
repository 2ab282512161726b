{{ recover_parent('SymptomLog') }}
