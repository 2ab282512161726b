{{ recover_deduplicate('FitbitSleepLogs') }}
