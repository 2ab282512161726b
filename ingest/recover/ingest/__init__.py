"""The ingest: read export archives and land their members in the raw zone.

    export.py          read an export (a zip) and stream verified members as gzip, never whole
    names.py           which members are processed and what their file names mean
    plan.py            check everything before writing: archives, names, targets
    core.py            ingest(): plan, land every member, register the raw tables
    storage.py         local paths or S3, decided once (export reader and sink factory)
    commits.py         commit records: an export is visible once all its members landed
    sinks.py           the Sink protocol; local_sink.py is the local one (its raw views are made
                       by dbt, macros/raw_views.sql),
                       recover.aws.s3_sink (+ glue_catalog) the S3 one

Must not import dbt, and imports boto3/awswrangler only when an s3:// location is used.
"""

from recover.ingest.core import Summary, ingest
from recover.ingest.export import ExportError
from recover.ingest.plan import IngestError
from recover.ingest.sinks import Landed, SinkError
from recover.ingest.storage import UsageError

__all__ = ["ExportError", "IngestError", "Landed", "SinkError", "Summary", "UsageError", "ingest"]
