{{ recover_curated('EnrolledParticipants', 'CustomFields_Symptoms') }}
