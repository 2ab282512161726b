{{ recover_staging('GarminMoveIQActivitySummary') }}
