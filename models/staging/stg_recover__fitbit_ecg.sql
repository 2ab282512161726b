{{ recover_staging('FitbitEcg') }}
