{{ recover_export_freshness() }}
