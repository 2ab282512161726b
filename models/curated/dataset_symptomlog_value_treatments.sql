{{ recover_child('SymptomLog', 'Value_treatments') }}
