{{ recover_curated('GarminHealthSnapshotSummary', 'Summaries_EpochSummaries') }}
