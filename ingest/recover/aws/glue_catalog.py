"""Raw tables in the Glue catalog: one table per registry data type in database `{ns}_raw`.

Each table reads `s3://.../{ns}/raw/dataset={DataType}/` with the OpenX JSON SerDe, every
column `string` (schema-on-read, DataType.raw_columns), partitioned by `cohort`. Glue stores
column names in lower case; the SerDe matches them to the data's mixed-case keys.

SerDe properties (the OpenX SerDe, named explicitly, as Athena documents it for JSON):
- `case.insensitive = false` plus one `mapping.{column} = {Key}` per column: Glue and Athena
  lower-case column names while the data spells keys `ParticipantIdentifier`, so each column is
  mapped to its key explicitly. Case-insensitive matching is not used because it also applies
  inside nested objects: HealthKitV2Workouts `Metadata` carries both `WorkoutName` and
  `workoutname`, and a case-insensitive SerDe merges them (measured on Trino's OpenX reader:
  one value is lost from the JSON text the staging models parse).
- `ignore.malformed.json = false`: a malformed line fails the query, naming the file. The ingest
  does not parse JSON, so the raw zone may hold a bad line; skipping it silently would lose a
  record (and break record_counts parity with upstream, whose json.loads would also fail). An
  analyst who needs to read around a bad file can create a second table with `true`.
- `dots.in.keys = false`: keys are taken literally (the default, stated).
A `string` column that meets a JSON object or array returns its JSON text with this SerDe,
which is what the staging models parse; the Hive JSON SerDe would fail instead.

Tables are created or updated here with the Glue API rather than wr.catalog.create_json_table:
its `overwrite` mode deletes all partitions of an existing table (a concurrent ingest of the
other cohort would lose its partitions) and its `append` mode never updates an existing
definition. So the definition is written out in table_input() and applied only when Glue's
copy differs (a re-ingest makes no Glue write). The database and the partitions go through
awswrangler (create_database, add_json_partitions: batched, an existing partition is kept).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import awswrangler as wr
from botocore.exceptions import BotoCoreError, ClientError

from recover import registry
from recover.ingest.sinks import SinkError

SERDE = "org.openx.data.jsonserde.JsonSerDe"
SERDE_PARAMETERS = {"case.insensitive": "false", "ignore.malformed.json": "false",
                    "dots.in.keys": "false"}


def serde_parameters(data_type: registry.DataType) -> dict[str, str]:
    """SerDe properties: exact key matching, each lower-case column mapped to its JSON key."""
    mappings = {f"mapping.{name.lower()}": name for name in data_type.raw_columns}
    return {**SERDE_PARAMETERS, **mappings}
INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
TABLE_PARAMETERS = {"classification": "json", "compressionType": "gzip", "typeOfData": "file",
                    "EXTERNAL": "TRUE"}
PARTITION_KEY = "cohort"


def raw_database(namespace: str) -> str:
    return f"{namespace}_raw"


def dataset_location(raw_root: str, data_type: str) -> str:
    """`s3://bucket/ns/raw` + data type -> the table's location (trailing slash, as Glue likes)."""
    return f"{raw_root}/dataset={data_type}/"


def partition_location(raw_root: str, data_type: str, cohort: str) -> str:
    return f"{dataset_location(raw_root, data_type)}{PARTITION_KEY}={cohort}/"


def columns(data_type: registry.DataType) -> dict[str, str]:
    """Glue columns: the registry's top-level fields, lower-cased as Glue stores them, all string."""
    return {name.lower(): "string" for name in data_type.raw_columns}


def table_input(data_type: registry.DataType, location: str) -> dict[str, Any]:
    """The Glue TableInput of a raw table: the whole definition, in one place."""
    return {
        "Name": data_type.identifier,
        "Description": f"Raw {data_type.name} records as delivered (gzip NDJSON), from recover ingest",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": dict(TABLE_PARAMETERS),
        "PartitionKeys": [{"Name": PARTITION_KEY, "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": name, "Type": kind} for name, kind in columns(data_type).items()],
            "Location": location,
            "InputFormat": INPUT_FORMAT,
            "OutputFormat": OUTPUT_FORMAT,
            "Compressed": True,
            "SerdeInfo": {"SerializationLibrary": SERDE, "Parameters": serde_parameters(data_type)},
            "Parameters": dict(TABLE_PARAMETERS),
        },
    }


@dataclass
class Registration:
    """What register_raw_tables() did, for the summary."""

    database: str
    tables: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)  # `table/cohort=x`, added or already there

    def summary(self) -> str:
        line = (f"Glue: {self.tables} raw table(s) in database {self.database} "
                f"({len(self.created)} created, {len(self.updated)} updated)")
        if self.partitions:
            line += "; partitions " + ", ".join(self.partitions)
        return line


def register_raw_tables(
    session: Any,
    raw_root: str,
    namespace: str,
    landed: Iterable[tuple[str, str]],
    types: registry.Registry,
) -> Registration:
    """Create/update every registry type's raw table, then add the partitions of `landed`.

    `landed` holds (data type, cohort) pairs of members that landed whole; unmodelled data types
    among them get no table. Raises SinkError naming the database.
    """
    database = raw_database(namespace)
    result = Registration(database, tables=len(types))
    try:
        _ensure_database(session, database)
        _ensure_tables(session, database, raw_root, types, result)
        _add_partitions(session, database, raw_root, landed, types, result)
    except (BotoCoreError, ClientError, wr.exceptions.ServiceApiError) as exc:
        raise SinkError(f"Glue database {database}: {exc}") from None
    return result


def _ensure_database(session: Any, database: str) -> None:
    glue = session.client("glue")
    try:
        wr.catalog.create_database(database, exist_ok=True, boto3_session=session)
    except glue.exceptions.AlreadyExistsException:
        pass  # created by a concurrent ingest between the lookup and the create


def _ensure_tables(
    session: Any, database: str, raw_root: str, types: registry.Registry, result: Registration
) -> None:
    glue = session.client("glue")
    existing = {
        table["Name"]: table
        for page in glue.get_paginator("get_tables").paginate(DatabaseName=database)
        for table in page["TableList"]
    }
    for data_type in types:
        desired = table_input(data_type, dataset_location(raw_root, data_type.name))
        current = existing.get(desired["Name"])
        if current is None:
            try:
                glue.create_table(DatabaseName=database, TableInput=desired)
            except glue.exceptions.AlreadyExistsException:
                continue  # a concurrent ingest created it, from the same definition
            result.created.append(desired["Name"])
        elif _differs(current, desired):
            glue.update_table(DatabaseName=database, TableInput=desired)
            result.updated.append(desired["Name"])


def _differs(current: dict[str, Any], desired: dict[str, Any]) -> bool:
    """True when Glue's table lacks part of the desired definition (extra Glue fields are fine)."""
    def shape(table: dict[str, Any]) -> tuple:
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

    params = current.get("Parameters", {})
    missing = any(params.get(k) != v for k, v in desired["Parameters"].items())
    return missing or shape(current) != shape(desired)


def _add_partitions(
    session: Any,
    database: str,
    raw_root: str,
    landed: Iterable[tuple[str, str]],
    types: registry.Registry,
    result: Registration,
) -> None:
    by_table: dict[registry.DataType, dict[str, list[str]]] = {}
    for data_type, cohort in sorted(set(landed)):
        if data_type in types:
            location = partition_location(raw_root, data_type, cohort)
            by_table.setdefault(types[data_type], {})[location] = [cohort]
    for data_type, partitions in by_table.items():
        wr.catalog.add_json_partitions(
            database=database,
            table=data_type.identifier,
            partitions_values=partitions,
            compression="gzip",
            serde_library=SERDE,
            serde_parameters=serde_parameters(data_type),
            columns_types=columns(data_type),
            boto3_session=session,
        )
        result.partitions += [f"{data_type.identifier}/{PARTITION_KEY}={c[0]}" for c in partitions.values()]
