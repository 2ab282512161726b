{{ recover_deduplicate('GarminManuallyUpdatedActivitySummary') }}
