{{ recover_restricted('FitbitActivityLogs') }}
