{{ recover_staging('FitbitIntradayCombined') }}
