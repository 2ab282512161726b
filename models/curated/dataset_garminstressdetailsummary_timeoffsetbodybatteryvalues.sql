{{ recover_curated('GarminStressDetailSummary', 'TimeOffsetBodyBatteryValues') }}
