{{ recover_deduplicate('FitbitRestingHeartRates') }}
