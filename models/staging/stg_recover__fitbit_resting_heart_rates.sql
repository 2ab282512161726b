{{ recover_staging('FitbitRestingHeartRates') }}
