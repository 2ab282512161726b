{{ recover_child('EnrolledParticipants', 'CustomFields_Treatments') }}
