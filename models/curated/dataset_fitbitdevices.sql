{{ recover_curated('FitbitDevices') }}
