{{ recover_record_counts() }}
