{{ recover_curated('GarminHealthSnapshotSummary', 'Summaries') }}
