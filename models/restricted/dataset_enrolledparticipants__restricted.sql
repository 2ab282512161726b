{{ recover_restricted('EnrolledParticipants') }}
