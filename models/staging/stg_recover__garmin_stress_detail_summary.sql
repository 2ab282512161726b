{{ recover_staging('GarminStressDetailSummary') }}
