{{ recover_parent('GarminManuallyUpdatedActivitySummary') }}
