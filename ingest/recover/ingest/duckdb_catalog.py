"""Raw tables for the local dbt-duckdb target: one DuckDB view per registry data type.

The local counterpart of recover.aws.glue_catalog. In `{lake}/{ns}/recover.duckdb`, schema `{ns}_raw`
holds a view `{identifier}` per data type that reads the raw zone's gzip NDJSON files at query
time (so new files show up without a refresh). Raw tables are schema-on-read: every registry
column is VARCHAR, nested objects and arrays come back as JSON text, plus `filename` (the raw
file's full path) and `cohort` (from its `cohort=` folder). A type with no raw files yet gets a
view with the same columns and no rows, so dbt sources always resolve.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from recover import registry
from recover.ingest.sinks import SinkError
from recover.lake import RAW_SUFFIX, database_path, dataset_dir, raw_zone

_FILE_COLUMN = "__recover_raw_file"  # read_json's file-name column, renamed to `filename`
MAX_OBJECT_SIZE = 64 * 1024 * 1024  # one NDJSON line; DuckDB's default (16 MiB) is tight for ECGs


def raw_schema(namespace: str) -> str:
    return f"{namespace}_raw"


def refresh_raw_views(lake: Path, namespace: str, types: registry.Registry | None = None) -> Path:
    """(Re)create the raw views of every registry data type; return the database path."""
    types = types if types is not None else registry.load()
    db_path = database_path(lake, namespace)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    statements = [f"create schema if not exists {_quote(raw_schema(namespace))}"]
    for name in types.names():
        data_type = types[name]
        statements.append(_view_sql(lake, namespace, data_type))
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.Error as exc:
        raise SinkError(f"{db_path}: cannot open the local catalog: {exc}") from None
    try:
        con.execute("begin transaction")
        for statement in statements:
            con.execute(statement)
        con.execute("commit")
    except duckdb.Error as exc:
        raise SinkError(f"{db_path}: cannot refresh raw views: {exc}") from None
    finally:
        con.close()
    return db_path


def unmodelled_datasets(lake: Path, namespace: str, types: registry.Registry | None = None) -> list[str]:
    """Data types present under raw/ (`dataset=X`) that the registry does not know."""
    types = types if types is not None else registry.load()
    zone = raw_zone(lake, namespace)
    if not zone.is_dir():
        return []
    found = (p.name.removeprefix("dataset=") for p in zone.iterdir() if p.name.startswith("dataset="))
    return sorted(name for name in found if name not in types)


def _view_sql(lake: Path, namespace: str, data_type: registry.DataType) -> str:
    columns = data_type.raw_columns
    view = f"{_quote(raw_schema(namespace))}.{_quote(data_type.identifier)}"
    folder = dataset_dir(lake, namespace, data_type.name).absolute()
    if not any(folder.glob(f"cohort=*/*{RAW_SUFFIX}")):
        nulls = [f"cast(null as varchar) as {_quote(c)}" for c in [*columns, "filename", "cohort"]]
        return f"create or replace view {view} as select {', '.join(nulls)} where false"
    glob = f"{folder}/cohort=*/*{RAW_SUFFIX}"
    schema = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in columns)
    selected = ", ".join(_quote(c) for c in columns)
    return (
        f"create or replace view {view} as select {selected}, "
        f"{_quote(_FILE_COLUMN)} as filename, "
        f"regexp_extract({_quote(_FILE_COLUMN)}, '/cohort=([^/]+)/', 1) as cohort "
        f"from read_json({_literal(glob)}, format = 'newline_delimited', "
        f"columns = {{{schema}}}, filename = {_literal(_FILE_COLUMN)}, "
        f"hive_partitioning = false, compression = 'gzip', "
        f"maximum_object_size = {MAX_OBJECT_SIZE})"
    )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
