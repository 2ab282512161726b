{{ recover_parent('GarminEpochSummary') }}
