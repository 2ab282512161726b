{{ recover_parent('FitbitEcg') }}
