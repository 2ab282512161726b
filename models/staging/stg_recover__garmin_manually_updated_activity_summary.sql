{{ recover_staging('GarminManuallyUpdatedActivitySummary') }}
