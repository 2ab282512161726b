{{ recover_deduplicate('GarminStressDetailSummary') }}
