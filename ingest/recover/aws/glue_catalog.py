"""Raw tables in the Glue catalog: one table per registry data type in database `{ns}_raw`.

Each table reads `s3://.../{ns}/raw/dataset={DataType}/` as text, one row per line of the
gzip NDJSON (column `line`), partitioned by `cohort` and `export`. The staging models parse
the JSON in SQL, so a malformed line is quarantined there (rejected_records) instead of failing
the scan, and keys the registry does not know are found there too (schema_drift). The
LazySimpleSerDe splits fields on \\u0001, a byte that valid JSON never holds unescaped, so a line
is one field; Hive's text reader treats `\\n`, `\\r\\n` and `\\r` as line ends.

An export becomes visible when its partitions are registered, which happens after its commit
record is written (recover/ingest/commits.py): Athena never reads a partly landed export.
Registering is idempotent, so `recover build` and the reconcile re-register every committed
export to repair a run that died between the record and the partitions.

Tables are created or updated with the Glue API: the definition is written out in
table_input() and applied only when Glue's copy differs (a re-ingest makes no Glue write). The
database goes through awswrangler (create_database); partitions through Glue's
BatchCreatePartition (an existing partition is kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import awswrangler as wr
from botocore.exceptions import BotoCoreError, ClientError

from recover import registry
from recover.ingest.commits import Commit
from recover.ingest.sinks import SinkError

SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
FIELD_DELIMITER = "\u0001"
SERDE_PARAMETERS = {"field.delim": FIELD_DELIMITER, "serialization.format": FIELD_DELIMITER}
INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
TABLE_PARAMETERS = {"classification": "text", "compressionType": "gzip", "typeOfData": "file",
                    "EXTERNAL": "TRUE"}
COLUMNS = [{"Name": "line", "Type": "string", "Comment": "one line of the raw NDJSON file"}]
PARTITION_KEYS = [{"Name": "cohort", "Type": "string"}, {"Name": "export", "Type": "string"}]
BATCH = 100  # BatchCreatePartition's limit


def raw_database(namespace: str) -> str:
    return f"{namespace}_raw"


def dataset_location(raw_root: str, data_type: str) -> str:
    """`s3://bucket/ns/raw` + data type -> the table's location (trailing slash, as Glue likes)."""
    return f"{raw_root}/dataset={data_type}/"


def partition_location(raw_root: str, data_type: str, cohort: str, export: str) -> str:
    return f"{dataset_location(raw_root, data_type)}cohort={cohort}/export={export}/"


def storage_descriptor(location: str) -> dict[str, Any]:
    return {
        "Columns": COLUMNS,
        "Location": location,
        "InputFormat": INPUT_FORMAT,
        "OutputFormat": OUTPUT_FORMAT,
        "Compressed": True,
        "SerdeInfo": {"SerializationLibrary": SERDE, "Parameters": dict(SERDE_PARAMETERS)},
        "Parameters": dict(TABLE_PARAMETERS),
    }


def table_input(data_type: registry.DataType, location: str) -> dict[str, Any]:
    """The Glue TableInput of a raw table: the whole definition, in one place."""
    return {
        "Name": data_type.identifier,
        "Description": (f"Raw {data_type.name} lines as delivered (gzip NDJSON), committed "
                        "exports only; from recover ingest"),
        "TableType": "EXTERNAL_TABLE",
        "Parameters": dict(TABLE_PARAMETERS),
        "PartitionKeys": PARTITION_KEYS,
        "StorageDescriptor": storage_descriptor(location),
    }


@dataclass
class Registration:
    """What register_raw_tables() did, for the summary."""

    database: str
    tables: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    partitions: int = 0  # partitions of committed exports, added or already there

    def summary(self) -> str:
        return (f"Glue: {self.tables} raw table(s) in database {self.database} "
                f"({len(self.created)} created, {len(self.updated)} updated); "
                f"{self.partitions} partition(s) of committed exports")


def register_raw_tables(session: Any, raw_root: str, namespace: str, commits: Sequence[Commit],
                        types: registry.Registry) -> Registration:
    """Create/update every registry type's raw table, then add the partitions of `commits`.

    Members of data types the registry does not know get no table. SinkError names the database.
    """
    database = raw_database(namespace)
    result = Registration(database, tables=len(types))
    try:
        _ensure_database(session, database)
        _ensure_tables(session, database, raw_root, types, result)
        _add_partitions(session, database, raw_root, commits, types, result)
    except (BotoCoreError, ClientError, wr.exceptions.ServiceApiError) as exc:
        raise SinkError(f"Glue database {database}: {exc}") from None
    return result


def _ensure_database(session: Any, database: str) -> None:
    glue = session.client("glue")
    try:
        wr.catalog.create_database(database, exist_ok=True, boto3_session=session)
    except glue.exceptions.AlreadyExistsException:
        pass  # created by a concurrent ingest between the lookup and the create


def _ensure_tables(session: Any, database: str, raw_root: str, types: registry.Registry,
                   result: Registration) -> None:
    glue = session.client("glue")
    existing = {
        table["Name"]: table
        for page in glue.get_paginator("get_tables").paginate(DatabaseName=database)
        for table in page["TableList"]
    }
    for data_type in types:
        desired = table_input(data_type, dataset_location(raw_root, data_type.name))
        current = existing.get(desired["Name"])
        if current is not None and _shape(current)[3] != _shape(desired)[3]:
            # Glue cannot change a table's partition keys: replace the table.
            glue.delete_table(DatabaseName=database, Name=desired["Name"])
            current = None
        if current is None:
            try:
                glue.create_table(DatabaseName=database, TableInput=desired)
            except glue.exceptions.AlreadyExistsException:
                continue  # a concurrent ingest created it, from the same definition
            result.created.append(desired["Name"])
        elif _differs(current, desired):
            glue.update_table(DatabaseName=database, TableInput=desired)
            result.updated.append(desired["Name"])


def _shape(table: dict[str, Any]) -> tuple:
    sd = table.get("StorageDescriptor", {})
    serde = sd.get("SerdeInfo", {})
    return (
        table.get("TableType"),
        table.get("Description"),
        [(c["Name"], c["Type"]) for c in sd.get("Columns", [])],
        [(c["Name"], c["Type"]) for c in table.get("PartitionKeys", [])],
        sd.get("Location"), sd.get("InputFormat"), sd.get("OutputFormat"), sd.get("Compressed"),
        serde.get("SerializationLibrary"), serde.get("Parameters", {}),
    )


def _differs(current: dict[str, Any], desired: dict[str, Any]) -> bool:
    """True when Glue's table lacks part of the desired definition (extra Glue fields are fine)."""
    params = current.get("Parameters", {})
    missing = any(params.get(k) != v for k, v in desired["Parameters"].items())
    return missing or _shape(current) != _shape(desired)


def _add_partitions(session: Any, database: str, raw_root: str, commits: Sequence[Commit],
                    types: registry.Registry, result: Registration) -> None:
    glue = session.client("glue")
    wanted: dict[str, dict[tuple[str, str], str]] = {}
    for commit in commits:
        for data_type in commit.data_types:
            if data_type in types:
                location = partition_location(raw_root, data_type, commit.cohort, commit.export_id)
                wanted.setdefault(types[data_type].identifier, {})[
                    (commit.cohort, commit.export_id)] = location
    for table, partitions in sorted(wanted.items()):
        items = sorted(partitions.items())
        for start in range(0, len(items), BATCH):
            batch = items[start:start + BATCH]
            response = glue.batch_create_partition(DatabaseName=database, TableName=table,
                                                   PartitionInputList=[
                {"Values": list(values), "StorageDescriptor": storage_descriptor(location),
                 "Parameters": dict(TABLE_PARAMETERS)} for values, location in batch])
            errors = [e for e in response.get("Errors", [])
                      if e.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException"]
            if errors:
                detail = errors[0]["ErrorDetail"]
                raise SinkError(f"Glue table {database}.{table}: partition {errors[0]['PartitionValues']}: "
                                f"{detail.get('ErrorCode')}: {detail.get('ErrorMessage')}")
        result.partitions += len(items)
