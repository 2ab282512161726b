{{ recover_curated('FitbitSleepLogs', 'SleepLogDetails') }}
