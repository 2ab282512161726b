{{ recover_parent('GarminStressDetailSummary') }}
