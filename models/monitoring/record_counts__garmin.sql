{{ recover_record_counts_group('garmin') }}
