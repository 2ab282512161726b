{{ recover_record_counts(['participant', 'healthkit', 'fitbit', 'google', 'garmin']) }}
