{{ recover_curated('GarminPulseOxSummary') }}
