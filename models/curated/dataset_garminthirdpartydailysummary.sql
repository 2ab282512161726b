{{ recover_parent('GarminThirdPartyDailySummary') }}
