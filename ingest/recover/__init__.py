"""RECOVER data pipeline: ingest (Python) + dbt models (SQL)."""
