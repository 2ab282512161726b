{{ recover_curated('GarminUserMetricsSummary') }}
