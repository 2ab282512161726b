{{ recover_parent('FitbitDailyData') }}
