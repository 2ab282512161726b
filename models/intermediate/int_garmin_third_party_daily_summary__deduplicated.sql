{{ recover_deduplicate('GarminThirdPartyDailySummary') }}
