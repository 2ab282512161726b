{{ recover_parent('GarminPulseOxSummary') }}
