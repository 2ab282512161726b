{{ recover_deduplicate('FitbitDevices') }}
