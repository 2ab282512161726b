{{ recover_child('GarminActivityDetailsSummary', 'Laps') }}
