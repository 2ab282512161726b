{{ recover_raw_profile('fitbit') }}
