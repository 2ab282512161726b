{{ recover_curated('GarminDailySummary') }}
