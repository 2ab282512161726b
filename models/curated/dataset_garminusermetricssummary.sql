{{ recover_parent('GarminUserMetricsSummary') }}
