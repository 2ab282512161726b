"""AWS adapters: the S3 and Glue side of the ingest, and the ingest Lambda.

    s3_file.py         a seekable read-only view of an S3 object (ranged GETs)
    s3_sink.py         the S3 sink: multipart uploads of raw files, whole or not at all
    glue_catalog.py    raw tables and partitions in the Glue catalog (awswrangler + Glue API)
    s3_events.py       which exports a Lambda event announces (pure parsing)
    lambda_handler.py  the ingest Lambda: a thin adapter over recover.ingest.ingest

The deployed system (docs/deploy.md, deploy/shared.yaml and deploy/template.yaml):

    namespaces.py      names: stacks, databases, workgroups, prefixes; git ref -> namespace
    stacks.py          CloudFormation: create or update and wait, outputs, delete
    artifacts.py       the Lambda code and dbt project zips, versioned by content
    deploy.py          the shared stack; a namespace's artifacts and stack; build requests
    teardown.py        a namespace removed: stack, prefixes (every version), databases, ...
    build_trigger.py   the Lambda that starts a namespace's build (one running, one pending)
    backfill.py        exports not committed in the raw zone -> the ingest queue
    reconcile.py       the scheduled Lambda doing the backfill of its namespace
    integration.py     the CI's integration run: copy exports, wait for the build, row counts

Imports boto3/botocore/awswrangler; nothing else in the package imports this folder except
lazily, when an s3:// location is used.
"""
