{{ recover_parent('GarminHealthSnapshotSummary') }}
