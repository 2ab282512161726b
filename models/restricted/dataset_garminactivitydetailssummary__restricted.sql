{{ recover_restricted('GarminActivityDetailsSummary') }}
