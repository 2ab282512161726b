{{ recover_record_counts_group([
    'EnrolledParticipants',
    'SymptomLog'
]) }}
