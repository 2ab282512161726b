{{ recover_parent('FitbitRestingHeartRates') }}
