{{ recover_staging('FitbitSleepLogs') }}
