{{ recover_curated('GarminHealthSnapshotSummary') }}
