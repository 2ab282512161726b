{{ recover_deduplicate('GarminHealthSnapshotSummary') }}
