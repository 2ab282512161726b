{{ recover_curated('FitbitIntradayCombined') }}
