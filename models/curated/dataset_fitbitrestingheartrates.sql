{{ recover_curated('FitbitRestingHeartRates') }}
