{{ recover_staging('GarminUserMetricsSummary') }}
