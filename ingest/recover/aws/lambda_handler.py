"""The ingest Lambda: S3 "object created" events for exports -> `recover ingest` into S3 + Glue.

Thin by design: handler() reads its configuration from the environment and calls
process_event(), a plain function (testable without Lambda) that parses the event
(s3_events.py) and runs the same ingest core as the CLI (recover.ingest.ingest) per export.

Configuration: RECOVER_LAKE (`s3://bucket`, the data bucket) and RECOVER_NAMESPACE. The export's
cohort is the 2nd component of its key `{ns}/{cohort}/{export}` (docs/data-contract.md, "Cohorts", as upstream's raw
Lambda); a key in another namespace or of another depth is a failure, not a guess.

Partial batch response: an SQS batch returns `{"batchItemFailures": [{"itemIdentifier": id}]}`
naming only the messages whose export failed, so SQS redelivers those (and, after
maxReceiveCount, moves them to the dead-letter queue) without redelivering the good ones.
Redelivery is harmless: the ingest is idempotent. A direct EventBridge invocation has no batch,
so a failure raises and Lambda's asynchronous retries apply.

Logs: one JSON object per line on stdout (CloudWatch keeps them as they are): per member
landed (export, member, target, bytes, gzip_bytes, seconds, outcome=landed), per export
(outcome=ingested or failed, with the error), and per ignored object or message.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from recover.aws import s3_events
from recover.ingest import Landed, ingest

Log = Callable[..., None]
_SESSION: Any = None  # one boto3 session per warm container


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Lambda entry point (`recover.aws.lambda_handler.handler`)."""
    lake, namespace = os.environ.get("RECOVER_LAKE"), os.environ.get("RECOVER_NAMESPACE")
    if not lake or not namespace:
        raise RuntimeError("set RECOVER_LAKE (s3://bucket) and RECOVER_NAMESPACE on the function")
    return process_event(event, lake, namespace, session=_session())


def log_json(**fields: Any) -> None:
    """One structured log line on stdout."""
    fields.setdefault("level", "INFO")
    print(json.dumps(fields, default=str, separators=(",", ":")), file=sys.stdout, flush=True)


def process_event(
    event: dict[str, Any], lake: str, namespace: str, session: Any = None, log: Log = log_json
) -> dict[str, list[dict[str, str]]]:
    """Ingest every export the event announces; return the SQS partial batch response."""
    failures: list[dict[str, str]] = []
    for message in s3_events.messages(event):
        try:
            ok = process_message(message, lake, namespace, session, log)
        except Exception as exc:  # noqa: BLE001 - whatever one message holds fails it alone
            log(level="ERROR", outcome="failed", message_id=message.id,
                error=f"{type(exc).__name__}: {exc}")
            ok = False
        if not ok:
            if message.id is None:  # a direct invocation: raise so that Lambda retries it
                raise RuntimeError("export ingest failed; see the log lines above")
            failures.append({"itemIdentifier": str(message.id)})
    return {"batchItemFailures": failures}


def process_message(message: s3_events.Message, lake: str, namespace: str, session: Any,
                    log: Log) -> bool:
    """Ingest the exports of one message; False when any of them (or the message) failed."""
    ok = True
    if message.error is not None:
        log(level="ERROR", outcome="failed", message_id=message.id, error=message.error)
        ok = False
    for what, why in message.ignored:
        log(outcome="ignored", message_id=message.id, object=what, reason=why)
    for obj in message.objects:
        ok = ingest_object(obj, lake, namespace, session, log, message.id) and ok
    return ok


def ingest_object(
    obj: s3_events.S3Object, lake: str, namespace: str, session: Any, log: Log,
    message_id: str | None = None,
) -> bool:
    """Ingest one export; log the outcome; False when it failed (never raises)."""
    started = time.monotonic()

    def landed(member: Landed) -> None:
        log(outcome="landed", message_id=message_id, export=member.export, member=member.member,
            target=member.target, bytes=member.bytes_in, gzip_bytes=member.bytes_out,
            seconds=round(member.seconds, 3))

    try:
        cohort = s3_events.cohort_of(obj.key, namespace)
        summary = ingest([obj.uri], lake, namespace, cohort, session=session,
                                    on_landed=landed)
    except Exception as exc:  # noqa: BLE001 - any failure fails this export only, never the batch
        log(level="ERROR", outcome="failed", message_id=message_id, export=obj.uri,
            error=f"{type(exc).__name__}: {exc}", seconds=round(time.monotonic() - started, 3))
        return False
    log(outcome="ingested", message_id=message_id, export=obj.uri, cohort=cohort,
        members=summary.landed, bytes=summary.bytes_in, gzip_bytes=summary.bytes_out,
        skipped=summary.skipped, unmodelled=summary.unmodelled, catalog=summary.catalog,
        seconds=round(time.monotonic() - started, 3))
    return True


def _session() -> Any:
    global _SESSION
    if _SESSION is None:
        import boto3

        _SESSION = boto3.Session()
    return _SESSION
