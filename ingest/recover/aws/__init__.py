"""AWS adapters: the S3 and Glue side of the ingest, and the ingest Lambda.

    s3_file.py         a seekable read-only view of an S3 object (ranged GETs)
    s3_sink.py         the S3 sink: multipart uploads of raw files, whole or not at all
    glue_catalog.py    raw tables and partitions in the Glue catalog (awswrangler + Glue API)
    s3_events.py       which exports a Lambda event announces (pure parsing)
    lambda_handler.py  the ingest Lambda: a thin adapter over recover.ingest.ingest

Imports boto3/botocore/awswrangler; nothing else in the package imports this folder except
lazily, when an s3:// location is used.
"""
