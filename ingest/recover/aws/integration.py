"""The CI's integration run of a namespace: the most recent exports of a baseline namespace
(`main`) copied into the namespace's input, its own build waited for, and its curated tables
compared with the baseline's by row count.

1. copy   the newest N exports per cohort of `s3://{input}/{baseline}/` to
          `s3://{input}/{ns}/{cohort}/{export}` (server-side copies; an export already there with
          the same size is left alone). The copies' notifications start the normal path: ingest,
          commit, build trigger, build. The list goes to
          `s3://{artifacts}/{ns}/integration_test_exports.json`.
2. wait   until every copied export is committed in the namespace's raw zone and a build that
          started after the newest commit record or build request has finished: its
          `s3://{data}/{ns}/runs/{run_id}/run.json` (recover/build/run_upload.py) says whether it
          passed and published.
3. compare the row count of every table in the Glue databases `{ns}` and `{baseline}`, read
          from the Parquet footers of the files their tables and partitions point at (no Athena
          query, no data read). The baseline holds every export, the namespace only the recent
          ones: the report shows the counts side by side; it does not judge them.
4. changes `recover compare` of the curated tables on Athena, reduced to what the branch's
          code can change (recover.build.compare.code_changes; the command does it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from recover.aws import backfill
from recover.aws.build_trigger import request_key
from recover.lake import commit_key, split_s3_uri

POLL_SECONDS = 30.0


class IntegrationError(Exception):
    """The integration run cannot go on or its build failed; one line."""


@dataclass
class Copied:
    source: str
    target: str
    copied: bool  # False when the target was already there


def recent_exports(s3: Any, input_bucket: str, baseline: str, per_cohort: int
                   ) -> list[backfill.InputExport]:
    """The newest `per_cohort` exports of each cohort of the baseline, oldest first."""
    by_cohort: dict[str, list[backfill.InputExport]] = {}
    for export in backfill.list_exports(s3, input_bucket, baseline).exports:
        by_cohort.setdefault(export.cohort, []).append(export)
    chosen = [e for exports in by_cohort.values() for e in exports[-per_cohort:]]
    return sorted(chosen, key=lambda e: (e.date, e.key))


def copy_exports(s3: Any, exports: list[backfill.InputExport], namespace: str) -> list[Copied]:
    copied = []
    for export in exports:
        key = f"{namespace}/{export.cohort}/{export.name}"
        try:
            there = s3.head_object(Bucket=export.bucket, Key=key)["ContentLength"] == export.size
        except s3.exceptions.ClientError:
            there = False
        if not there:
            s3.copy({"Bucket": export.bucket, "Key": export.key}, export.bucket, key)
        copied.append(Copied(export.uri, f"s3://{export.bucket}/{key}", not there))
    return copied


def _last_modified(s3: Any, bucket: str, key: str) -> datetime | None:
    try:
        return s3.head_object(Bucket=bucket, Key=key)["LastModified"].astimezone(UTC)
    except s3.exceptions.ClientError:
        return None


def finished_run(s3: Any, data_bucket: str, namespace: str, exports: list[backfill.InputExport]
                 ) -> dict | None:
    """run.json of a build that covers `exports`, or None while there is none yet."""
    times = []
    for export in exports:
        committed = _last_modified(s3, data_bucket,
                                   commit_key(namespace, export.cohort, export.export_id))
        if committed is None:
            return None
        times.append(committed)
    requested = _last_modified(s3, data_bucket, request_key(namespace))
    newest = max([*times, *([requested] if requested else [])], default=None)
    records = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=data_bucket,
                                                              Prefix=f"{namespace}/runs/"):
        records += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith("/run.json")
                    and (newest is None or o["LastModified"].astimezone(UTC) >= newest)]
    for key in sorted(records, reverse=True):
        record = json.loads(s3.get_object(Bucket=data_bucket, Key=key)["Body"].read())
        started = datetime.fromisoformat(record["started_at"])  # 3.11+ reads the Z
        if newest is None or started >= newest.replace(microsecond=0):
            return record
    return None


def wait_for_build(s3: Any, data_bucket: str, namespace: str, exports: list[backfill.InputExport],
                   timeout: float, poll: float = POLL_SECONDS,
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> dict:
    deadline = clock() + timeout
    while True:
        record = finished_run(s3, data_bucket, namespace, exports)
        if record is not None:
            return record
        if clock() >= deadline:
            raise IntegrationError(f"no build of {namespace} covering the copied exports finished "
                                   f"within {timeout / 60:.0f} minutes")
        sleep(poll)


# -- row counts ----------------------------------------------------------------------------------


def _data_files(s3: Any, location: str) -> list[str]:
    bucket, prefix = split_s3_uri(location)
    prefix = prefix.rstrip("/") + "/"
    files = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            name = obj["Key"].rsplit("/", 1)[-1]
            if obj["Size"] > 0 and not name.startswith(("_", ".")) and not name.endswith("$folder$"):
                files.append(f"s3://{bucket}/{obj['Key']}")
    return files


def parquet_rows(s3: Any, uri: str) -> int:
    """The row count in a Parquet file's footer (a couple of ranged GETs)."""
    import pyarrow.parquet as pq

    from recover.aws.s3_file import S3File

    with S3File.open(s3, uri, buffer_size=256 * 1024) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def row_counts(glue: Any, s3: Any, database: str) -> dict[str, int] | None:
    """Rows of every table of a Glue database (None when the database does not exist)."""
    try:
        tables = [t for page in glue.get_paginator("get_tables").paginate(DatabaseName=database)
                  for t in page["TableList"]]
    except glue.exceptions.EntityNotFoundException:
        return None
    counts = {}
    for table in tables:
        if table.get("TableType") == "VIRTUAL_VIEW":
            continue
        if table.get("PartitionKeys"):
            locations = [p["StorageDescriptor"]["Location"] for page in
                         glue.get_paginator("get_partitions").paginate(
                             DatabaseName=database, TableName=table["Name"])
                         for p in page["Partitions"]]
        else:
            locations = [table["StorageDescriptor"]["Location"]]
        counts[table["Name"]] = sum(parquet_rows(s3, f) for loc in locations
                                    for f in _data_files(s3, loc))
    return counts


@dataclass
class Comparison:
    namespace: str
    baseline: str
    rows: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    def markdown(self) -> str:
        lines = [f"| table | {self.namespace} | {self.baseline} | difference |",
                 "|---|---:|---:|---:|"]
        for table, (mine, theirs) in sorted(self.rows.items()):
            diff = "" if mine is None or theirs is None else f"{mine - theirs:+,}"
            lines.append(f"| {table} | {_n(mine)} | {_n(theirs)} | {diff} |")
        return "\n".join(lines)


def _n(value: int | None) -> str:
    return "missing" if value is None else f"{value:,}"


def compare(glue: Any, s3: Any, namespace: str, baseline: str) -> Comparison:
    mine = row_counts(glue, s3, namespace) or {}
    theirs = row_counts(glue, s3, baseline) or {}
    return Comparison(namespace, baseline,
                      {t: (mine.get(t), theirs.get(t)) for t in sorted(set(mine) | set(theirs))})

