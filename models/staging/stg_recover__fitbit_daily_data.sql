{{ recover_staging('FitbitDailyData') }}
