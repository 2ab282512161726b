{{ recover_parent('FitbitDevices') }}
