{{ recover_staging('GarminPulseOxSummary') }}
