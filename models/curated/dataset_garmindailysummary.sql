{{ recover_parent('GarminDailySummary') }}
