{{ recover_curated('FitbitDailyData') }}
