{{ recover_deduplicate('GarminDailySummary') }}
