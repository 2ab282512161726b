{{ recover_deduplicate('FitbitIntradayCombined') }}
