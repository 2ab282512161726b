{{ recover_raw_profile('participant') }}
