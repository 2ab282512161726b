{{ recover_deduplicate('GarminMoveIQActivitySummary') }}
