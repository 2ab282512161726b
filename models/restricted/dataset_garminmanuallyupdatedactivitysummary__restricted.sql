{{ recover_restricted('GarminManuallyUpdatedActivitySummary') }}
