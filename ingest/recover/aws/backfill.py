"""Exports in the input bucket that are not committed in the raw zone, and their submission to
the namespace's ingest queue, so that the normal path (queue -> ingest Lambda) does the work.

Used by `recover backfill` (an operator, bootstrap: exports already in S3) and by the scheduled
reconcile (recover/aws/reconcile.py). Both only list: the exports under `s3://{input}/{ns}/`
(keys `{ns}/{cohort}/{export}`; folder markers and owner.txt are not exports, as for the
Lambda) and the commit records under `s3://{data}/{ns}/raw/_exports/`; an export is committed
when `{cohort}/{export_id}.json` is there (recover.ingest.commits). Nothing is read whole.

A submission is an S3 "object created" notification naming the export, the shape the ingest
Lambda already reads (recover/aws/s3_events.py), with eventName `ObjectCreated:Backfill` so
that its origin shows in the Lambda's log. Submitting an export twice is harmless: the ingest
is idempotent. Running the backfill again once the queue has drained submits nothing.

An export's date (for --since and "most recent") is the timestamp its name starts with
(`2024-06-09T00:12:49Z_...`, as delivered), else the time it was uploaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote_plus

from recover.aws.s3_events import ignore_reason
from recover.lake import check_identifier, commits_prefix, export_id

_NAME_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})Z")
SQS_BATCH = 10  # SendMessageBatch's limit


@dataclass(frozen=True)
class InputExport:
    """One export object in the input bucket."""

    bucket: str
    key: str  # {ns}/{cohort}/{name}
    cohort: str
    name: str
    size: int
    uploaded: datetime

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def export_id(self) -> str:
        return export_id(self.name)

    @property
    def date(self) -> datetime:
        return export_date(self.name, self.uploaded)


def export_date(name: str, uploaded: datetime) -> datetime:
    """The timestamp an export's name starts with, else its upload time (both UTC)."""
    match = _NAME_TIME.match(name)
    if match:
        try:
            return datetime.fromisoformat(f"{match[1]}T{match[2]}:{match[3]}:{match[4]}+00:00")
        except ValueError:
            pass
    return uploaded.astimezone(UTC)


@dataclass
class Skipped:
    key: str
    reason: str


@dataclass
class Listing:
    exports: list[InputExport] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # objects that are not exports


def list_exports(s3: Any, bucket: str, namespace: str, cohort: str | None = None,
                 since: datetime | None = None) -> Listing:
    """The exports under `s3://bucket/{ns}/`, oldest first (optionally one cohort, and from a
    date on). Objects that are not `{ns}/{cohort}/{export}` are listed as skipped."""
    listing = Listing()
    prefix = f"{namespace}/" + (f"{cohort}/" if cohort else "")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            parts = PurePosixPath(key).parts
            reason = ignore_reason(key)
            if reason is None and len(parts) != 3:
                reason = "not {namespace}/{cohort}/{export}"
            if reason is None:
                try:
                    check_identifier("cohort", parts[1])
                    export_id(parts[2])
                except ValueError as exc:
                    reason = str(exc)
            if reason is not None:
                listing.skipped.append(Skipped(key, reason))
                continue
            export = InputExport(bucket, key, parts[1], parts[2], obj["Size"],
                                 obj["LastModified"].astimezone(UTC))
            if since is None or export.date >= since:
                listing.exports.append(export)
    listing.exports.sort(key=lambda e: (e.date, e.key))
    return listing


def committed_ids(s3: Any, bucket: str, namespace: str) -> set[tuple[str, str]]:
    """(cohort, export_id) of every commit record of the namespace (listed, not read)."""
    found = set()
    prefix = commits_prefix(namespace)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            rest = obj["Key"][len(prefix):]
            cohort, _, name = rest.partition("/")
            if name.endswith(".json") and "/" not in name:
                found.add((cohort, name[: -len(".json")]))
    return found


@dataclass
class Backfill:
    """What a backfill found and did."""

    exports: list[InputExport] = field(default_factory=list)  # every export considered
    missing: list[InputExport] = field(default_factory=list)  # not committed
    submitted: list[InputExport] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    young: list[InputExport] = field(default_factory=list)  # left to the normal path


def find_missing(s3: Any, input_bucket: str, data_bucket: str, namespace: str,
                 cohort: str | None = None, since: datetime | None = None,
                 min_age: timedelta = timedelta(0), now: datetime | None = None) -> Backfill:
    """The exports of `s3://{input}/{ns}/` without a commit record in `s3://{data}/{ns}/raw/`.

    Exports uploaded less than `min_age` ago are left out (`young`): the reconcile leaves them
    to the notification that is already on its way."""
    now = now or datetime.now(UTC)
    listing = list_exports(s3, input_bucket, namespace, cohort, since)
    committed = committed_ids(s3, data_bucket, namespace)
    result = Backfill(exports=listing.exports, skipped=listing.skipped)
    for export in listing.exports:
        if (export.cohort, export.export_id) in committed:
            continue
        if now - export.uploaded < min_age:
            result.young.append(export)
        else:
            result.missing.append(export)
    return result


def submission(export: InputExport, now: datetime | None = None) -> dict[str, Any]:
    """The message body that submits an export: an S3 notification, as S3 would send it."""
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "eventTime": when,
        "eventName": "ObjectCreated:Backfill",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "recover-backfill",
               "bucket": {"name": export.bucket, "arn": f"arn:aws:s3:::{export.bucket}"},
               "object": {"key": quote_plus(export.key, safe="/"), "size": export.size}},
    }]}


def submit(sqs: Any, queue_url: str, exports: Iterable[InputExport]) -> list[InputExport]:
    """Send one message per export to the ingest queue; return those SQS accepted.

    RuntimeError names the first export SQS refused (the others of its batch were sent)."""
    exports = list(exports)
    sent: list[InputExport] = []
    for start in range(0, len(exports), SQS_BATCH):
        batch = exports[start:start + SQS_BATCH]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps(submission(e), separators=(",", ":"))}
            for i, e in enumerate(batch)])
        failed = {int(f["Id"]): f for f in response.get("Failed", [])}
        sent += [e for i, e in enumerate(batch) if i not in failed]
        if failed:
            index, failure = min(failed.items())
            raise RuntimeError(f"{batch[index].uri}: SQS refused the submission: "
                               f"{failure.get('Code')}: {failure.get('Message')}")
    return sent
