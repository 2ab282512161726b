{{ recover_restricted('SymptomLog') }}
