{{ recover_staging('GarminActivityDetailsSummary') }}
