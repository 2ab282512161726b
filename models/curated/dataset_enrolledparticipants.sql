{{ recover_curated('EnrolledParticipants') }}
