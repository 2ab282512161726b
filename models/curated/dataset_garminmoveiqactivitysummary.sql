{{ recover_parent('GarminMoveIQActivitySummary') }}
