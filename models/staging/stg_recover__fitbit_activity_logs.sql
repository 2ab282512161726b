{{ recover_staging('FitbitActivityLogs') }}
