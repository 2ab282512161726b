{{ recover_raw_profile('google') }}
