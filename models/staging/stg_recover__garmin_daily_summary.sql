{{ recover_staging('GarminDailySummary') }}
