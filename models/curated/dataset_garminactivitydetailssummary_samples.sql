{{ recover_child('GarminActivityDetailsSummary', 'Samples') }}
