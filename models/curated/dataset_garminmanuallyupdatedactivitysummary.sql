{{ recover_curated('GarminManuallyUpdatedActivitySummary') }}
