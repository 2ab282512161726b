{{ recover_rejected_records() }}
