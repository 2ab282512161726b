{{ recover_deduplicate('FitbitDailyData') }}
