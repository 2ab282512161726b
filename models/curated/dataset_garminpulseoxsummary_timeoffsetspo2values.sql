{{ recover_child('GarminPulseOxSummary', 'TimeOffsetSpo2Values') }}
