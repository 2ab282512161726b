{{ recover_curated('SymptomLog', 'Value_treatments') }}
