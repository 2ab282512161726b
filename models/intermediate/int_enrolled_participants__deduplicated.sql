{{ recover_deduplicate('EnrolledParticipants') }}
