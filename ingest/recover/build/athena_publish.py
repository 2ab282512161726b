"""Write-audit-publish on Athena: a build writes a candidate schema; publishing points the
namespace's tables at it, table by table, through the Glue API.

    {ns}_candidate.{table}   what `dbt build --target namespace` creates (every table readers
                             see: curated, monitoring, seeds), data in
                             s3://{bucket}/{ns}/parquet/{table}/{run_id}/
    {ns}_restricted_candidate.{table} -> {ns}_restricted.{table}: personal data, the same way
    {ns}.{table}             what analysts query: after a build that passed, its Glue definition
                             and partitions are replaced by the candidate's (UpdateTable, then
                             BatchUpdate/Create/DeletePartition), and the candidate entry is
                             removed from the catalog (never its data: that is now published)
    s3://{bucket}/{ns}/parquet/_published.json   the run, and every table's data location, for
                             readers outside Athena (Spark, pandas): read it, then those folders

Glue has no multi-table transaction, so the switch is per table: about three Glue calls a
table, a few seconds for the whole namespace. A query that starts during it may see some tables
of the previous build and some of the new one (each table, and each file it reads, is one
build's). Data of older builds is deleted once published, keeping the previous build's folders
for queries still running on them.

Before each build, leftover candidate entries (a build killed after dbt, or mid-publish) are
removed from the catalog only, so dbt never drops a table whose location is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from recover import faults
from recover.build.state import BuildState

CANDIDATE = "_candidate"
RESTRICTED = "_restricted"  # personal data: its own Glue database, published the same way
INTERMEDIATE = "_intermediate"  # what an incremental build starts from (never for readers)
MANIFEST = "parquet/_published.json"
_TABLE_INPUT_KEYS = ("Name", "Description", "Owner", "Retention", "StorageDescriptor",
                     "PartitionKeys", "TableType", "Parameters", "ViewOriginalText",
                     "ViewExpandedText")
_PARTITION_INPUT_KEYS = ("Values", "StorageDescriptor", "Parameters")
BATCH = 25  # BatchUpdatePartition's limit (create and delete allow more)


def candidate_schema(namespace: str) -> str:
    return f"{namespace}{CANDIDATE}"


def schema_pairs(namespace: str) -> list[tuple[str, str]]:
    """(candidate schema, published schema): the analysts' schema, the restricted one, and the
    intermediate tables the next incremental build starts from."""
    return [(f"{namespace}{CANDIDATE}", namespace),
            (f"{namespace}{RESTRICTED}{CANDIDATE}", f"{namespace}{RESTRICTED}"),
            (f"{namespace}{INTERMEDIATE}{CANDIDATE}", f"{namespace}{INTERMEDIATE}")]


@dataclass
class Published:
    run_id: str
    tables: dict[str, str] = field(default_factory=dict)  # table -> data location
    seconds: float = 0.0
    expired: list[str] = field(default_factory=list)  # s3:// prefixes of older builds, deleted


def _pages(glue: Any, operation: str, key: str, **kwargs) -> list[dict]:
    return [item for page in glue.get_paginator(operation).paginate(**kwargs)
            for item in page.get(key, [])]


def _tables(glue: Any, database: str) -> dict[str, dict]:
    try:
        return {t["Name"]: t for t in _pages(glue, "get_tables", "TableList", DatabaseName=database)}
    except glue.exceptions.EntityNotFoundException:
        return {}


def clear_candidates(session: Any, namespace: str) -> list[str]:
    """Remove every candidate table from the catalog (only: their data may be published)."""
    glue = session.client("glue")
    removed = []
    for candidate, _published in schema_pairs(namespace):
        for name in sorted(_tables(glue, candidate)):
            glue.delete_table(DatabaseName=candidate, Name=name)
            removed.append(name if candidate == candidate_schema(namespace) else f"{candidate}.{name}")
    return removed


def _table_input(table: dict, name: str) -> dict:
    out = {k: table[k] for k in _TABLE_INPUT_KEYS if k in table}
    out["Name"] = name
    return out


def _partition_input(partition: dict) -> dict:
    return {k: partition[k] for k in _PARTITION_INPUT_KEYS if k in partition}


def published_state(session: Any, bucket: str, namespace: str) -> BuildState | None:
    """The state of the published build (recover/build/state.py), kept in the manifest."""
    state = _read_manifest(session.client("s3"), bucket, namespace).get("state")
    return BuildState.from_json(state) if state else None


def publish(session: Any, bucket: str, namespace: str, run_id: str,
            state: BuildState | None = None) -> Published:
    """Point every table of `{ns}` at the candidate's data; write the manifest (with the build's
    state, last: until then the next build re-applies exports already in some tables, which
    changes nothing); expire old data."""
    started = datetime.now(UTC)
    glue, s3 = session.client("glue"), session.client("s3")
    result = Published(run_id)
    all_candidates: list[tuple[str, str]] = []
    for source, target in schema_pairs(namespace):
        candidates = _tables(glue, source)
        if not candidates:
            continue
        try:
            glue.create_database(DatabaseInput={"Name": target})
        except glue.exceptions.AlreadyExistsException:
            pass
        published = _tables(glue, target)
        for name, candidate in sorted(candidates.items()):
            _swap(glue, source, target, name, candidate, name in published)
            label = name if target == namespace else f"{target}.{name}"
            result.tables[label] = candidate["StorageDescriptor"]["Location"]
            all_candidates.append((source, name))
            faults.point("publish.after_table")
    previous = _read_manifest(s3, bucket, namespace)
    # a selective build publishes some tables: the others stay as the previous manifest has them
    manifest = {"run_id": run_id, "previous_run_id": previous.get("run_id"),
                "published_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tables": {**previous.get("tables", {}), **result.tables},
                "previous_tables": previous.get("tables", {})}
    if state is not None:
        manifest["state"] = json.loads(state.to_json())
    s3.put_object(Bucket=bucket, Key=f"{namespace}/{MANIFEST}",
                  Body=(json.dumps(manifest, indent=1) + "\n").encode(),
                  ContentType="application/json")
    for source, name in all_candidates:
        glue.delete_table(DatabaseName=source, Name=name)
    result.expired = _expire(s3, bucket, namespace, manifest["tables"], manifest["previous_tables"])
    result.seconds = (datetime.now(UTC) - started).total_seconds()
    return result


def _swap(glue: Any, source: str, namespace: str, name: str, candidate: dict, exists: bool) -> None:
    table_input = _table_input(candidate, name)
    new_parts = {tuple(p["Values"]): p for p in _pages(
        glue, "get_partitions", "Partitions", DatabaseName=source, TableName=name)}
    if exists:
        glue.update_table(DatabaseName=namespace, TableInput=table_input)
        old_parts = {tuple(p["Values"]) for p in _pages(
            glue, "get_partitions", "Partitions", DatabaseName=namespace, TableName=name)}
    else:
        glue.create_table(DatabaseName=namespace, TableInput=table_input)
        old_parts = set()
    update = [v for v in new_parts if v in old_parts]
    create = [v for v in new_parts if v not in old_parts]
    delete = [v for v in old_parts if v not in new_parts]
    for start in range(0, len(update), BATCH):
        glue.batch_update_partition(DatabaseName=namespace, TableName=name, Entries=[
            {"PartitionValueList": list(v), "PartitionInput": _partition_input(new_parts[v])}
            for v in update[start:start + BATCH]])
    for start in range(0, len(create), 100):
        glue.batch_create_partition(DatabaseName=namespace, TableName=name, PartitionInputList=[
            _partition_input(new_parts[v]) for v in create[start:start + 100]])
    for start in range(0, len(delete), 25):
        glue.batch_delete_partition(DatabaseName=namespace, TableName=name, PartitionsToDelete=[
            {"Values": list(v)} for v in delete[start:start + 25]])


def _read_manifest(s3: Any, bucket: str, namespace: str) -> dict:
    try:
        return json.loads(s3.get_object(Bucket=bucket, Key=f"{namespace}/{MANIFEST}")["Body"].read())
    except s3.exceptions.NoSuchKey:
        return {}


def _expire(s3: Any, bucket: str, namespace: str, current: dict[str, str],
            previous: dict[str, str]) -> list[str]:
    """Delete the data folders of builds older than the previous one under each table's prefix."""
    keep = {loc.rstrip("/") + "/" for loc in [*current.values(), *previous.values()]}
    expired = []
    for location in current.values():
        table_prefix = location.rstrip("/").rsplit("/", 1)[0] + "/"  # s3://b/ns/parquet/t/
        key_prefix = table_prefix.split("/", 3)[3]
        folders = [p["Prefix"] for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key_prefix, Delimiter="/") for p in page.get("CommonPrefixes", [])]
        for folder in folders:
            uri = f"s3://{bucket}/{folder}"
            if uri in keep:
                continue
            keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=folder) for o in page.get("Contents", [])]
            for start in range(0, len(keys), 1000):
                s3.delete_objects(Bucket=bucket, Delete={
                    "Objects": [{"Key": k} for k in keys[start:start + 1000]], "Quiet": True})
            expired.append(uri)
    return expired
