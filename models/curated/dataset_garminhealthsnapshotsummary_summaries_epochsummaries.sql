{{ recover_child('GarminHealthSnapshotSummary', 'Summaries_EpochSummaries') }}
