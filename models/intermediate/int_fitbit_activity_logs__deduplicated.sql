{{ recover_deduplicate('FitbitActivityLogs') }}
