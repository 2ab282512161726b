"""The scheduled reconcile Lambda: exports of the namespace's input prefix that are not committed
in its raw zone are submitted to its ingest queue again (recover/aws/backfill.py, the same code
as `recover backfill`). It repairs a lost notification, an ingest that gave up, or an export
moved back from the dead-letter queue's causes; exports uploaded less than
RECOVER_RECONCILE_MIN_AGE_MINUTES ago (default 60) are left to the notification on its way.

Configuration (deploy/template.yaml): RECOVER_INPUT (`s3://input`), RECOVER_LAKE
(`s3://data`), RECOVER_NAMESPACE, RECOVER_INGEST_QUEUE_URL. Needs boto3 only (no awswrangler).
Logs one JSON object per line: one per submitted export, and a summary.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from recover.aws import backfill
from recover.aws.lambda_handler import log_json
from recover.lake import split_s3_uri


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (`recover.aws.reconcile.handler`), invoked on a schedule."""
    import boto3

    try:
        input_bucket = split_s3_uri(os.environ["RECOVER_INPUT"])[0]
        data_bucket = split_s3_uri(os.environ["RECOVER_LAKE"])[0]
        namespace = os.environ["RECOVER_NAMESPACE"]
        queue_url = os.environ["RECOVER_INGEST_QUEUE_URL"]
    except (KeyError, ValueError) as exc:
        raise RuntimeError("set RECOVER_INPUT, RECOVER_LAKE (s3://bucket), RECOVER_NAMESPACE and "
                           f"RECOVER_INGEST_QUEUE_URL on the function: {exc}") from None
    minutes = int(os.environ.get("RECOVER_RECONCILE_MIN_AGE_MINUTES", "60"))
    session = boto3.Session()
    return reconcile(session.client("s3"), session.client("sqs"), input_bucket, data_bucket,
                     namespace, queue_url, timedelta(minutes=minutes))


def reconcile(s3: Any, sqs: Any, input_bucket: str, data_bucket: str, namespace: str,
              queue_url: str, min_age: timedelta) -> dict[str, Any]:
    """Find and submit the missing exports; return (and log) the counts."""
    found = backfill.find_missing(s3, input_bucket, data_bucket, namespace, min_age=min_age)
    sent = backfill.submit(sqs, queue_url, found.missing)
    for export in sent:
        log_json(outcome="submitted", export=export.uri, cohort=export.cohort)
    summary = {"namespace": namespace, "exports": len(found.exports),
               "committed": len(found.exports) - len(found.missing) - len(found.young),
               "submitted": len(sent), "young": len(found.young),
               "not_exports": len(found.skipped)}
    log_json(outcome="reconciled", **summary)
    return summary
