{{ recover_child('FitbitSleepLogs', 'SleepLogDetails') }}
