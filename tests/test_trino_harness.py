"""Proves the Trino test harness and the Athena-portability facts the curated SQL relies on.

Each test answers one question about Trino 476 (= what Athena engine v3 runs) with a real
server: can we read the raw zone (gzip NDJSON in Hive-partitioned folders, every column
a string, OpenX JSON SerDe), can we write curated Parquet tables the way dbt-trino does,
and what do the JSON / UNNEST / timestamp functions return. Catalog ``hive`` is Glue on
moto (the production shape), ``hive_file`` the file-metastore fallback.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import time
from pathlib import Path

import pytest
from trino.exceptions import TrinoQueryError

pytest.register_assert_rewrite("tests.support.trino")  # it is also a plugin (below)
from tests.support.trino import (
    FETCH_SCRIPT,
    TrinoEnv,
    TrinoUnavailable,
    find_java_home,
)

OPENX = "org.openx.data.jsonserde.JsonSerDe"
HCATALOG = "org.apache.hive.hcatalog.data.JsonSerDe"

# Fitbit-like records: camelCase keys, numbers, booleans, nested objects and arrays,
# explicit nulls, missing keys and keys the table does not declare.
RECORDS = {
    "adults_v1": [
        {
            "ParticipantIdentifier": "p1",
            "LogId": 123,
            "StartDate": "2024-03-10T02:30:00",
            "Efficiency": 93.5,
            "IsMainSleep": True,
            "Levels": {"summary": {"deep": {"count": 3}}, "data": [{"level": "wake"}]},
            "Tags": ["a", "b"],
            "Note": None,
        },
        {"ParticipantIdentifier": "p2", "LogId": "456", "Levels": {}, "Tags": [], "Extra": 1},
    ],
    "pediatric_v1": [{"ParticipantIdentifier": "p3", "StartDate": "2024-03-11T01:00:00"}],
}
COLUMNS = [
    "participantidentifier",
    "logid",
    "startdate",
    "efficiency",
    "ismainsleep",
    "levels",
    "tags",
    "note",
]
FILE = "FitbitSleepLogs_20240301-20240331.ndjson.gz"

pytest_plugins = ["tests.support.trino"]  # the session-scoped `trino` fixture
pytestmark = pytest.mark.trino


def query_error(env: TrinoEnv, sql: str, catalog: str = "hive") -> TrinoQueryError:
    with pytest.raises(TrinoQueryError) as exc:
        env.query(sql, catalog)
    return exc.value


def glue_json_table(env: TrinoEnv, db: str, name: str, serde: str, location: str) -> None:
    """Register a raw table through the Glue API, SerDe named explicitly, as on AWS."""
    env.aws("glue").create_table(
        DatabaseName=db,
        TableInput={
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"EXTERNAL": "TRUE", "classification": "json"},
            "PartitionKeys": [{"Name": "cohort", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": c, "Type": "string"} for c in COLUMNS],
                "Location": location,
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {"SerializationLibrary": serde, "Parameters": {}},
            },
        },
    )


@pytest.fixture(scope="module")
def raw(trino: TrinoEnv) -> Path:
    """The raw zone: lake/raw/dataset=FitbitSleepLogs/cohort=<c>/<file>.ndjson.gz, plus
    tables over it: Glue ``raw.sleep_openx`` / ``raw.sleep_hcatalog`` (SerDe by name) and
    ``hive_file.raw.sleep_openx`` (Trino DDL, format OPENX_JSON)."""
    dataset = trino.lake / "raw" / "dataset=FitbitSleepLogs"
    for cohort, records in RECORDS.items():
        folder = dataset / f"cohort={cohort}"
        folder.mkdir(parents=True)
        text = "".join(json.dumps(r) + "\n" for r in records)
        (folder / FILE).write_bytes(gzip.compress(text.encode()))

    trino.query(f"CREATE SCHEMA hive.raw WITH (location = '{trino.local_uri(dataset.parent)}')")
    glue_json_table(trino, "raw", "sleep_openx", OPENX, trino.local_uri(dataset))
    glue_json_table(trino, "raw", "sleep_hcatalog", HCATALOG, trino.local_uri(dataset))

    trino.query("CREATE SCHEMA hive_file.raw", "hive_file")
    columns = ", ".join(f"{c} varchar" for c in [*COLUMNS, "cohort"])
    trino.query(
        f"CREATE TABLE hive_file.raw.sleep_openx ({columns}) WITH (format = 'OPENX_JSON', "
        f"external_location = '{trino.local_uri(dataset)}', partitioned_by = ARRAY['cohort'])",
        "hive_file",
    )
    # Partition discovery (Athena: MSCK REPAIR TABLE or partition projection).
    for catalog, table in [
        ("hive", "sleep_openx"),
        ("hive", "sleep_hcatalog"),
        ("hive_file", "sleep_openx"),
    ]:
        trino.query(f"CALL {catalog}.system.sync_partition_metadata('raw', '{table}', 'ADD')")
    return dataset


# --- a. the server -------------------------------------------------------------------


def test_server_answers_select_1(trino: TrinoEnv) -> None:
    assert trino.query("SELECT 1") == [[1]]
    assert trino.query("SELECT node_version, coordinator FROM system.runtime.nodes") == [
        ["476", True]
    ]
    catalogs = {row[0] for row in trino.query("SHOW CATALOGS")}
    assert {"hive", "hive_file", "system"} <= catalogs
    assert trino.query("SELECT current_timezone()") == [["UTC"]]
    assert trino.server is not None and trino.server.startup_seconds is not None
    print(f"\nTrino startup: {trino.server.startup_seconds:.1f}s")


def test_fetch_is_cached_and_instant(trino: TrinoEnv) -> None:
    """Once installed (the fixture ran the script), fetch_trino.sh is a no-op."""
    t0 = time.monotonic()
    out = subprocess.run(["bash", FETCH_SCRIPT], capture_output=True, text=True, check=True)
    assert time.monotonic() - t0 < 5
    assert (Path(out.stdout.strip()) / "plugin" / "hive").is_dir()


# --- b. the raw zone: gzip NDJSON, all-string columns, partitioned by cohort ----------


@pytest.mark.parametrize("catalog", ["hive", "hive_file"])
def test_openx_serde_reads_nested_json_as_text(trino: TrinoEnv, raw: Path, catalog: str) -> None:
    rows = trino.query(
        f"SELECT {', '.join(COLUMNS)}, cohort FROM {catalog}.raw.sleep_openx "
        "ORDER BY participantidentifier"
    )
    p1, p2, p3 = (dict(zip([*COLUMNS, "cohort"], r, strict=True)) for r in rows)
    # camelCase JSON keys match the lower-case column names (case-insensitive SerDe).
    assert p1["participantidentifier"] == "p1" and p1["cohort"] == "adults_v1"
    # Scalars of any JSON type arrive as their text.
    assert (p1["logid"], p1["efficiency"], p1["ismainsleep"]) == ("123", "93.5", "true")
    assert p2["logid"] == "456"
    # Nested objects / arrays arrive as (compact) JSON text: the key portability fact.
    assert p1["levels"] == '{"summary":{"deep":{"count":3}},"data":[{"level":"wake"}]}'
    assert json.loads(p1["levels"]) == RECORDS["adults_v1"][0]["Levels"]
    assert p1["tags"] == '["a","b"]'
    assert (p2["levels"], p2["tags"]) == ("{}", "[]")
    # JSON null and a missing key are both SQL NULL; undeclared keys are ignored.
    assert p1["note"] is None and p2["startdate"] is None and p2["efficiency"] is None
    assert p3["cohort"] == "pediatric_v1"


def test_openx_serde_is_what_the_metastore_records(trino: TrinoEnv, raw: Path) -> None:
    """A Glue table naming the OpenX SerDe is Trino's format OPENX_JSON, and vice versa."""
    ddl = trino.query("SHOW CREATE TABLE hive.raw.sleep_openx")[0][0]
    assert "format = 'OPENX_JSON'" in ddl and "partitioned_by = ARRAY['cohort']" in ddl
    trino.query(
        "CREATE TABLE hive.raw.ddl_openx (x varchar) WITH (format = 'OPENX_JSON', "
        f"external_location = '{trino.local_uri(raw)}')"
    )
    serde = trino.aws("glue").get_table(DatabaseName="raw", Name="ddl_openx")["Table"]
    assert serde["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == OPENX
    ddl = trino.query("SHOW CREATE TABLE hive.raw.sleep_hcatalog")[0][0]
    assert "format = 'JSON'" in ddl  # Trino's name for the Hive (hcatalog) JSON SerDe


def test_hive_json_serde_rejects_nested_values_in_varchar(trino: TrinoEnv, raw: Path) -> None:
    """org.apache.hive.hcatalog.data.JsonSerDe reads scalars as text, but a nested
    object/array in a varchar column fails the whole query: raw tables must use OpenX."""
    rows = trino.query(
        "SELECT participantidentifier, logid, efficiency, ismainsleep, note "
        "FROM hive.raw.sleep_hcatalog WHERE cohort = 'adults_v1' ORDER BY 1"
    )
    assert rows == [["p1", "123", "93.5", "true", None], ["p2", "456", None, None, None]]
    for column in ("levels", "tags"):
        err = query_error(trino, f"SELECT {column} FROM hive.raw.sleep_hcatalog")
        assert err.error_name == "HIVE_CURSOR_ERROR"
        cause = json.dumps(err.failure_info)
        assert "varchar value must be a scalar json value" in cause


def test_path_hidden_column_gives_the_file(trino: TrinoEnv, raw: Path) -> None:
    rows = trino.query('SELECT DISTINCT cohort, "$path" FROM hive.raw.sleep_openx ORDER BY cohort')
    assert rows == [
        [c, trino.local_uri(raw / f"cohort={c}" / FILE)] for c in ("adults_v1", "pediatric_v1")
    ]
    # The partition folder and the file name are recoverable from "$path" in SQL.
    assert trino.query(
        "SELECT DISTINCT regexp_extract(\"$path\", '[^/]+$'), "
        "regexp_extract(\"$path\", 'dataset=([^/]+)', 1) FROM hive.raw.sleep_openx"
    ) == [[FILE, "FitbitSleepLogs"]]


# --- c. curated tables: CTAS to Parquet, partitioned by cohort, in the lake ----------


@pytest.mark.parametrize(
    ("catalog", "where"), [("hive", "local"), ("hive", "s3"), ("hive_file", "local")]
)
def test_ctas_parquet_partitioned_by_cohort(
    trino: TrinoEnv, raw: Path, catalog: str, where: str
) -> None:
    schema = f"curated_{where}"
    if catalog == "hive_file":  # the file metastore puts schema/table under its own dir
        folder = trino.file_metastore / schema
        location = trino.local_uri(folder)
        trino.query(f"CREATE SCHEMA hive_file.{schema}", catalog)
    else:  # Glue: the schema location decides where CTAS writes
        folder = trino.lake / "curated" / f"{catalog}_{where}"
        location = trino.local_uri(folder)
        if where == "s3":
            location = f"s3://{trino.bucket}/curated/{catalog}"
        trino.query(f"CREATE SCHEMA {catalog}.{schema} WITH (location = '{location}')")
    # What dbt-trino's table materialization sends (format from the model config).
    inserted = trino.query(
        f"CREATE TABLE {catalog}.{schema}.fitbit_sleep_logs "
        "WITH (format = 'PARQUET', partitioned_by = ARRAY['cohort']) AS "
        "SELECT participantidentifier AS participant_identifier, "
        "       try_cast(logid AS bigint) AS log_id, "
        "       CAST(try(from_iso8601_timestamp(startdate)) AT TIME ZONE 'UTC' AS timestamp(3))"
        "         AS start_date, "
        "       levels, cohort "
        f"FROM {catalog}.raw.sleep_openx",
        catalog,
    )
    assert inserted == [[3]]
    rows = trino.query(
        "SELECT participant_identifier, log_id, typeof(start_date), cohort, "
        f'"$path" FROM {catalog}.{schema}.fitbit_sleep_logs ORDER BY 1',
        catalog,
    )
    assert [r[:4] for r in rows] == [
        ["p1", 123, "timestamp(3)", "adults_v1"],
        ["p2", 456, "timestamp(3)", "adults_v1"],
        ["p3", None, "timestamp(3)", "pediatric_v1"],
    ]
    table = f"{location}/fitbit_sleep_logs"
    assert all(r[4].startswith(f"{table}/cohort={r[3]}/") for r in rows)
    ddl = trino.query(f"SHOW CREATE TABLE {catalog}.{schema}.fitbit_sleep_logs", catalog)[0][0]
    assert "format = 'PARQUET'" in ddl and "partitioned_by = ARRAY['cohort']" in ddl
    if where == "s3":
        s3 = trino.aws("s3")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=trino.bucket)["Contents"]]
        key = next(k for k in keys if k.startswith(f"curated/{catalog}/fitbit_sleep_logs/"))
        body = s3.get_object(Bucket=trino.bucket, Key=key)["Body"].read()
    else:
        files = [  # the file metastore keeps hidden .trinoSchema files beside the data
            f
            for f in (folder / "fitbit_sleep_logs").glob("cohort=*/*")
            if not f.name.startswith(".")
        ]
        assert {f.parent.name for f in files} == {"cohort=adults_v1", "cohort=pediatric_v1"}
        body = files[0].read_bytes()
    assert body[:4] == body[-4:] == b"PAR1"  # Parquet magic


def test_schema_without_location_lands_in_the_lake_warehouse(trino: TrinoEnv) -> None:
    """dbt-trino's CREATE SCHEMA has no location: Glue's default-warehouse-dir is the lake."""
    trino.query("CREATE SCHEMA hive.no_location")
    trino.query("CREATE TABLE hive.no_location.t AS SELECT 1 AS x")
    path = trino.query('SELECT "$path" FROM hive.no_location.t')[0][0]
    assert path.startswith(trino.local_uri(trino.lake / "warehouse" / "no_location" / "t") + "/")


def test_glue_cannot_rename_tables_file_metastore_can(trino: TrinoEnv) -> None:
    """dbt-trino's default on_table_exists='rename' needs RENAME; on Glue use 'drop'."""
    for catalog in ("hive", "hive_file"):
        trino.query(f"CREATE SCHEMA {catalog}.renames", catalog)
        trino.query(f"CREATE TABLE {catalog}.renames.t AS SELECT 1 AS x", catalog)
    err = query_error(trino, "ALTER TABLE hive.renames.t RENAME TO hive.renames.t2")
    assert err.error_name == "NOT_SUPPORTED"
    trino.query("ALTER TABLE hive_file.renames.t RENAME TO hive_file.renames.t2", "hive_file")
    assert trino.query("SELECT x FROM hive_file.renames.t2", "hive_file") == [[1]]
    trino.query("DROP TABLE hive.renames.t")  # drop + create works on Glue
    trino.query("CREATE OR REPLACE VIEW hive.renames.v AS SELECT 1 AS x")
    assert trino.query("SELECT x FROM hive.renames.v") == [[1]]


@pytest.mark.parametrize(
    ("expr", "type_name"),
    [
        ("""CAST(json_parse('{"a":1}') AS MAP(VARCHAR, JSON))""", "json"),
        ("from_iso8601_timestamp('2024-03-10T02:30:00Z')", "timestamp(3) with time zone"),
    ],
)
def test_query_time_types_cannot_be_stored(trino: TrinoEnv, expr: str, type_name: str) -> None:
    """Hive tables hold neither JSON nor timestamp WITH TIME ZONE: store json_format(...)
    text and CAST(ts AT TIME ZONE 'UTC' AS timestamp(3))."""
    trino.query("CREATE SCHEMA IF NOT EXISTS hive.stored_types")
    err = query_error(trino, f"CREATE TABLE hive.stored_types.t AS SELECT {expr} AS v")
    assert err.error_name == "NOT_SUPPORTED"
    assert err.message == f"Unsupported Hive type: {type_name}"


# --- the functions the curated SQL uses ----------------------------------------------


def one(env: TrinoEnv, expr: str):
    return env.query(f"SELECT {expr}")[0][0]


def test_json_parse_and_extract_scalar(trino: TrinoEnv) -> None:
    # json_parse gives a JSON value (keys re-ordered, compact); invalid text is an error.
    assert one(trino, """typeof(json_parse('{"b":1,"a":[1,{"c":null}]}'))""") == "json"
    assert one(trino, """json_format(json_parse('{"b":1, "a":2}'))""") == '{"a":2,"b":1}'
    assert query_error(trino, "SELECT json_parse('not json')").error_name == (
        "INVALID_FUNCTION_ARGUMENT"
    )
    assert one(trino, "try(json_parse('not json'))") is None
    # json_extract_scalar: scalars as varchar; objects/arrays/null/invalid JSON -> NULL.
    doc = """'{"a":{"b":"x"},"n":5,"f":1.5,"t":true,"z":null,"arr":[1,2],"Sleep Stage":"deep"}'"""
    got = trino.query(
        f"SELECT json_extract_scalar({doc}, '$.a.b'), json_extract_scalar({doc}, '$.n'), "
        f"json_extract_scalar({doc}, '$.f'), json_extract_scalar({doc}, '$.t'), "
        f"json_extract_scalar({doc}, '$.z'), json_extract_scalar({doc}, '$.arr'), "
        f"json_extract_scalar({doc}, '$.a'), json_extract_scalar({doc}, '$[\"Sleep Stage\"]'), "
        "json_extract_scalar('[10,20]', '$[1]'), json_extract_scalar('not json', '$.a')"
    )[0]
    assert got == ["x", "5", "1.5", "true", None, None, None, "deep", "20", None]


def test_cast_json_to_map_of_json(trino: TrinoEnv) -> None:
    doc = """json_parse('{"a":1,"b":"x","c":[1,2],"d":{"e":null},"f":null}')"""
    m = one(trino, f"CAST({doc} AS MAP(VARCHAR, JSON))")
    # Values are JSON texts: strings keep their quotes, JSON null is the text 'null'.
    assert m == {"a": "1", "b": '"x"', "c": "[1,2]", "d": '{"e":null}', "f": "null"}
    got = trino.query(
        f"SELECT json_extract_scalar(m['b'], '$'), json_format(m['c']), "
        "element_at(m, 'missing') "
        f"FROM (SELECT CAST({doc} AS MAP(VARCHAR, JSON)) AS m)"
    )[0]
    assert got == ["x", "[1,2]", None]
    # m['missing'] is an error; element_at(m, key) is the NULL-safe subscript.
    err = query_error(trino, f"SELECT CAST({doc} AS MAP(VARCHAR, JSON))['missing']")
    assert err.error_name == "INVALID_FUNCTION_ARGUMENT"
    # A non-object is an error (try(...) gives NULL); MAP(VARCHAR, VARCHAR) rejects nesting.
    assert query_error(
        trino, "SELECT CAST(json_parse('[1]') AS MAP(VARCHAR, JSON))"
    ).error_name == ("INVALID_CAST_ARGUMENT")
    assert one(trino, "try(CAST(json_parse('[1]') AS MAP(VARCHAR, JSON)))") is None
    assert one(trino, """CAST(json_parse('{"a":1,"t":true}') AS MAP(VARCHAR, VARCHAR))""") == {
        "a": "1",
        "t": "true",
    }
    assert query_error(
        trino, """SELECT CAST(json_parse('{"a":{"b":1}}') AS MAP(VARCHAR, VARCHAR))"""
    ).error_name == ("INVALID_CAST_ARGUMENT")


def test_unnest_with_ordinality(trino: TrinoEnv) -> None:
    rows = trino.query(
        "SELECT x.id, json_extract_scalar(e, '$.s'), n "
        'FROM (VALUES (1, \'[{"s":"a"},{"s":"b"}]\'), (2, \'[]\'), (3, NULL)) AS x(id, js) '
        "CROSS JOIN UNNEST(CAST(json_parse(x.js) AS ARRAY(JSON))) WITH ORDINALITY AS u(e, n) "
        "ORDER BY 1, 3"
    )
    # Ordinality is 1-based; empty and NULL arrays drop the row in a CROSS JOIN ...
    assert rows == [[1, "a", 1], [1, "b", 2]]
    # ... and keep it (with NULLs) in LEFT JOIN UNNEST ... ON true.
    rows = trino.query(
        "SELECT x.id, u.n FROM (VALUES (2, '[]'), (3, CAST(NULL AS varchar))) AS x(id, js) "
        "LEFT JOIN UNNEST(CAST(json_parse(x.js) AS ARRAY(JSON))) WITH ORDINALITY AS u(e, n) "
        "ON true ORDER BY 1"
    )
    assert rows == [[2, None], [3, None]]
    # A map unnests into (key, value) rows, ordered by key here.
    rows = trino.query(
        'SELECT k, json_format(v) FROM UNNEST(CAST(json_parse(\'{"z":1,"a":{"q":2}}\') '
        "AS MAP(VARCHAR, JSON))) AS t(k, v) ORDER BY k"
    )
    assert rows == [["a", '{"q":2}'], ["z", "1"]]


def test_from_iso8601_timestamp_and_try(trino: TrinoEnv) -> None:
    got = trino.query(
        "SELECT typeof(from_iso8601_timestamp('2024-03-10T02:30:00')), "
        "CAST(from_iso8601_timestamp('2024-03-10T02:30:00') AS varchar), "
        "CAST(from_iso8601_timestamp('2024-03-10T02:30:00.123456Z') AS varchar), "
        "CAST(from_iso8601_timestamp('2024-03-10T02:30:00+05:00') AS varchar), "
        "CAST(CAST(from_iso8601_timestamp('2024-03-10T02:30:00+05:00') AS timestamp) AS varchar),"
        "CAST(at_timezone(from_iso8601_timestamp('2024-03-10T02:30:00+05:00'), 'UTC') "
        "     AS varchar), "
        "CAST(from_iso8601_timestamp('2024-03-10') AS varchar)"
    )[0]
    assert got == [
        "timestamp(3) with time zone",
        "2024-03-10 02:30:00.000 UTC",  # no offset: the session zone (UTC, as Athena)
        "2024-03-10 02:30:00.123 UTC",  # millisecond precision: microseconds truncated
        "2024-03-10 02:30:00.000 +05:00",
        "2024-03-10 02:30:00.000",  # CAST to timestamp keeps the wall time, drops the zone
        "2024-03-09 21:30:00.000 UTC",
        "2024-03-10 00:00:00.000 UTC",
    ]
    # A space instead of 'T' is not ISO 8601 here: error, and try(...) turns errors to NULL.
    err = query_error(trino, "SELECT from_iso8601_timestamp('2024-03-10 02:30:00')")
    assert err.error_name == "INVALID_FUNCTION_ARGUMENT"
    assert trino.query(
        "SELECT try(from_iso8601_timestamp('2024-03-10 02:30:00')), "
        "try(from_iso8601_timestamp('garbage')), try(from_iso8601_timestamp(NULL)), "
        "try(CAST('abc' AS integer)), try(1 / 0), try_cast('1.5' AS double)"
    ) == [[None, None, None, None, None, 1.5]]


# --- the skip / fail switch (no server needed) ---------------------------------------


def test_java_older_than_24_is_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "jdk17" / "bin"
    fake.mkdir(parents=True)
    (fake / "java").write_text("#!/bin/sh\necho 'openjdk version \"17.0.15\"' >&2\n")
    (fake / "java").chmod(0o755)
    monkeypatch.setenv("RECOVER_TRINO_JAVA_HOME", str(fake.parent))
    with pytest.raises(TrinoUnavailable, match="no Java 24"):
        find_java_home()
