{{ recover_staging('EnrolledParticipants') }}
