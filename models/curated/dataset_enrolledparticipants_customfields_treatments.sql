{{ recover_curated('EnrolledParticipants', 'CustomFields_Treatments') }}
