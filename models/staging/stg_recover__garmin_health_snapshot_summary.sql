{{ recover_staging('GarminHealthSnapshotSummary') }}
