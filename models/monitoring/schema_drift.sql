{{ recover_schema_drift() }}
