{{ recover_curated('GarminThirdPartyDailySummary') }}
