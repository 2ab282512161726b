{{ recover_parent('FitbitActivityLogs') }}
