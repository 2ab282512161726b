{{ recover_staging('GarminThirdPartyDailySummary') }}
