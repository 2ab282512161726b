{{ recover_deduplicate('GarminUserMetricsSummary') }}
