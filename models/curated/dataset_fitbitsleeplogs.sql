{{ recover_curated('FitbitSleepLogs') }}
