{{ recover_curated('GarminPulseOxSummary', 'TimeOffsetSpo2Values') }}
