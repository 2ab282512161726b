{{ recover_curated('SymptomLog', 'Value_symptoms') }}
