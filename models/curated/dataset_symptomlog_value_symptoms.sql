{{ recover_child('SymptomLog', 'Value_symptoms') }}
