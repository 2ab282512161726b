{{ recover_parent('FitbitIntradayCombined') }}
