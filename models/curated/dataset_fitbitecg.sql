{{ recover_curated('FitbitEcg') }}
