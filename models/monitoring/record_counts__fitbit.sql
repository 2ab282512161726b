{{ recover_record_counts_group([
    'FitbitActivityLogs',
    'FitbitEcg',
    'FitbitDevices',
    'FitbitDailyData',
    'FitbitIntradayCombined',
    'FitbitRestingHeartRates',
    'FitbitSleepLogs'
]) }}
