{{ recover_parent('GarminActivityDetailsSummary') }}
