{{ recover_curated('GarminStressDetailSummary') }}
