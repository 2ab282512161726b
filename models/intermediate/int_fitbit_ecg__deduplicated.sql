{{ recover_deduplicate('FitbitEcg') }}
