{{ recover_restricted('EnrolledParticipants', 'CustomFields_Symptoms') }}
