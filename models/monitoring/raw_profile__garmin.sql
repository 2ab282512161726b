{{ recover_raw_profile('garmin') }}
