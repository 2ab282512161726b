{{ recover_child('GarminHealthSnapshotSummary', 'Summaries') }}
