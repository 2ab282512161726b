{{ recover_restricted('GarminActivitySummary') }}
