{{ recover_raw_profile('healthkit') }}
