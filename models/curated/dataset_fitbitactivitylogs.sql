{{ recover_curated('FitbitActivityLogs') }}
