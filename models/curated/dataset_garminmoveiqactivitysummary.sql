{{ recover_curated('GarminMoveIQActivitySummary') }}
