{{ recover_child('EnrolledParticipants', 'CustomFields_Symptoms') }}
