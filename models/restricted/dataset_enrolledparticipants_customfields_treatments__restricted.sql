{{ recover_restricted('EnrolledParticipants', 'CustomFields_Treatments') }}
