{{ recover_deduplicate('GarminPulseOxSummary') }}
