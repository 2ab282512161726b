{{ recover_record_counts_group([
    'GarminActivityDetailsSummary',
    'GarminActivitySummary',
    'GarminBloodPressureSummary',
    'GarminBodyCompositionSummary',
    'GarminDailySummary',
    'GarminEpochSummary',
    'GarminHealthSnapshotSummary',
    'GarminHrvSummary',
    'GarminManuallyUpdatedActivitySummary',
    'GarminMoveIQActivitySummary',
    'GarminPulseOxSummary',
    'GarminRespirationSummary',
    'GarminSleepSummary',
    'GarminStressDetailSummary',
    'GarminThirdPartyDailySummary',
    'GarminUserMetricsSummary'
]) }}
