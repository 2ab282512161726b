{{ recover_parent('FitbitSleepLogs') }}
