{{ recover_parent('EnrolledParticipants') }}
