{{ recover_child('GarminStressDetailSummary', 'TimeOffsetBodyBatteryValues') }}
