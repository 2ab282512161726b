{{ recover_staging('FitbitDevices') }}
