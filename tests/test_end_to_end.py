"""End to end on the local target: generate -> ingest -> dbt build -> curated tables.

The curated tables are checked against tests/reference.py, an independent Python oracle that
computes every parent and child table from the export archives themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from recover import lake as lake_ids
from recover import registry
from recover.build import build, dbt_env
from recover.build.dbt_runner import PROJECT_DIR
from recover.generate import generate_series
from recover.ingest import ingest
from recover.registry import layout

from tests import reference

pytestmark = pytest.mark.slow

NS = "e2e"


def ingest_all(lake: Path, exports: list[Path]) -> None:
    ingest([str(p) for p in exports], lake, NS)


def read_table(lake: Path, table: str, schema: str = NS) -> list[dict]:
    con = duckdb.connect(str(lake / NS / "recover.duckdb"), read_only=True)
    try:
        rel = con.sql(f'select * from "{schema}"."{table}"')
        return [dict(zip(rel.columns, row)) for row in rel.fetchall()]
    finally:
        con.close()


def normalise(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 9)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def as_multiset(rows: list[dict], columns: list[str]) -> list[tuple]:
    return sorted((tuple(normalise(r.get(c)) for c in columns) for r in rows), key=repr)


@pytest.fixture(scope="module")
def series(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("exports")
    return generate_series(out, exports=3, size_mb=0.5, seed=7)


@pytest.fixture(scope="module")
def full_lake(tmp_path_factory, series) -> Path:
    lake = tmp_path_factory.mktemp("lake")
    ingest_all(lake, series)
    result = build(lake, NS)
    assert result.ok, result.failures
    return lake


@pytest.fixture(scope="module")
def expected(series) -> dict[str, list[dict]]:
    return reference.expected_tables(series)


def all_tables() -> list[str]:
    return layout.curated_tables(registry.load())


def test_dbt_data_tests_pass_or_warn_in_the_build(full_lake):
    run = max((full_lake / NS / "runs").iterdir())  # the build's artifacts
    results = json.loads((run / "run_results.json").read_text())["results"]
    data = [r for r in results if r["unique_id"].startswith("test.")]
    assert len(data) > 150 and all(r["status"] in ("pass", "warn") for r in data)


def test_dbt_unit_tests_pass(full_lake, tmp_path):
    """The SQL's unit tests (models/*/_*__unit_tests.yml), run against a copy of the built
    lake's database (they read the models' columns; the published database is never written)."""
    database = tmp_path / "unit.duckdb"
    shutil.copyfile(full_lake / NS / "recover.duckdb", database)
    env = {**os.environ, **dbt_env(full_lake, NS), "RECOVER_DUCKDB": str(database)}
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "test", "--select", "test_type:unit",
         "--project-dir", str(PROJECT_DIR), "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        env=env, cwd=PROJECT_DIR, capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit) >= 8 and all(r["status"] == "pass" for r in unit)


def test_dbt_source_freshness_reads_the_newest_export_of_each_raw_table(full_lake, series, tmp_path):
    database = tmp_path / "fresh.duckdb"
    shutil.copyfile(full_lake / NS / "recover.duckdb", database)
    env = {**os.environ, **dbt_env(full_lake, NS), "RECOVER_DUCKDB": str(database)}
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "source", "freshness",
         "--select", "source:recover_raw.FitbitSleepLogs", "--project-dir", str(PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env=env, cwd=PROJECT_DIR, capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    (result,) = json.loads((tmp_path / "target" / "sources.json").read_text())["results"]
    newest = max(lake_ids.export_id(p.name) for p in series)
    assert result["max_loaded_at"].startswith(newest[:10])
    age = dt.date.today() - dt.date.fromisoformat(newest[:10])
    assert result["status"] == ("warn" if age.days > 8 else "pass")


def test_descriptions_are_persisted_in_the_database_catalog(full_lake):
    """persist_docs: the registry's descriptions reach the engine's catalog (Glue on Athena)."""
    con = duckdb.connect(str(full_lake / NS / "recover.duckdb"), read_only=True)
    try:
        (table_comment,) = con.execute(
            "select comment from duckdb_tables() where schema_name = ? and table_name = ?",
            [NS, "dataset_fitbitsleeplogs"]).fetchone()
        columns = dict(con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = ? "
            "and table_name = ?", [NS, "dataset_fitbitsleeplogs"]).fetchall())
    finally:
        con.close()
    dictionary = registry.load()["FitbitSleepLogs"].dictionary
    assert table_comment.startswith(registry.load()["FitbitSleepLogs"].description)
    assert columns["Duration"].startswith(dictionary["Duration"].description)
    assert "millisecond" in columns["Duration"]


def test_series_has_at_least_three_overlapping_exports_per_cohort(series):
    cohorts = {p.parent.name for p in series}
    assert cohorts == {"adults_v1", "pediatric_v1"}
    assert all(sum(p.parent.name == c for p in series) >= 3 for c in cohorts)


@pytest.mark.parametrize("table", all_tables())
def test_curated_table_matches_reference(full_lake, expected, table):
    actual = read_table(full_lake, table)
    want = expected[table]
    columns = list(actual[0]) if actual else list(want[0]) if want else []
    got, exp = as_multiset(actual, columns), as_multiset(want, columns)
    if got != exp:
        missing = [r for r in exp if r not in got][:3]
        extra = [r for r in got if r not in exp][:3]
        diffs = {c for m, e in zip(missing, extra) for c, a, b in zip(columns, m, e) if a != b}
        pytest.fail(f"{table}: {len(actual)} rows vs {len(want)} expected; columns differing in "
                    f"the first mismatches: {sorted(diffs)}\nmissing: {missing[:1]}\nextra: {extra[:1]}")


@pytest.mark.parametrize("table", layout.restricted_tables(registry.load()))
def test_restricted_table_matches_reference(full_lake, expected, table):
    actual = read_table(full_lake, table, schema=f"{NS}_restricted")
    columns = list(actual[0]) if actual else []
    assert actual, table
    assert as_multiset(actual, columns) == as_multiset(expected[table], columns), table


def test_no_personal_column_is_in_the_analysts_schema(full_lake):
    reg = registry.load()
    con = duckdb.connect(str(full_lake / NS / "recover.duckdb"), read_only=True)
    try:
        public = {(t, c) for t, c in con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = ?",
            [NS]).fetchall()}
    finally:
        con.close()
    for dtype in reg.primary():
        t = layout.table_layout(dtype)
        personal = {(t.models.parent, c.name) for c in t.personal_columns}
        personal |= {(c.table, e.name) for c in t.children for e in c.personal_columns}
        assert not personal & public, dtype.name
    assert ("dataset_enrolledparticipants", "BirthYear") in public


def test_every_data_type_has_rows(full_lake, expected):
    empty = [t for t, rows in expected.items() if not rows and "_" not in t[len("dataset_"):]]
    assert not empty, f"the generator left these parents empty: {empty}"


def test_curated_columns_follow_the_layout(full_lake):
    """Parents and children: the built tables have exactly the layout's columns, in order."""
    con = duckdb.connect(str(full_lake / NS / "recover.duckdb"), read_only=True)
    try:
        for dtype in registry.load().primary():
            t = layout.table_layout(dtype)
            wanted = {t.models.parent: t.parent_columns,
                      **{c.table: layout.child_columns(t, c) for c in t.children}}
            for table, columns in wanted.items():
                cols = con.sql(f'select * from "{NS}".{table} limit 0').columns
                assert cols == [n for n, _ in columns], table
    finally:
        con.close()


def test_parquet_files_hold_the_curated_tables(full_lake):
    table = "dataset_fitbitsleeplogs"
    folder = full_lake / NS / "parquet" / table
    cohorts = sorted(p.name for p in folder.iterdir())
    assert cohorts == ["cohort=adults_v1", "cohort=pediatric_v1"]
    rows = sum(pq.read_table(f).num_rows for f in folder.glob("cohort=*/*.parquet"))
    assert rows == len(read_table(full_lake, table))
    assert not [p for p in (full_lake / NS / "parquet").iterdir() if p.name.startswith(".")]


def test_record_counts_match_the_raw_and_curated_rows(full_lake, series, expected):
    counts = read_table(full_lake, "record_counts")
    rows = reference.read_rows(series)
    read = sum(c["row_count"] for c in counts
               if c["data_type"] == "FitbitSleepLogs" and c["event"] == "READ")
    written = sum(c["row_count"] for c in counts
                  if c["data_type"] == "FitbitSleepLogs" and c["event"] == "WRITE")
    assert read == len(rows["FitbitSleepLogs"])
    assert written == len(expected["dataset_fitbitsleeplogs"])
    events = {(c["data_type"], c["event"]) for c in counts}
    assert ("HealthKitV2Samples", "DROP_DELETED_SAMPLES") in events
    assert ("HealthKitV2Samples_deleted", "READ") in events


MONITORS = ["cast_failures", "rejected_records", "schema_drift", "export_freshness"]


def snapshot(lake: Path) -> dict[str, list[tuple]]:
    """Every table readers see (curated, restricted, monitors, this run's record counts)."""
    out = {}
    reg = registry.load()
    for schema, tables in ((NS, all_tables() + MONITORS),
                           (f"{NS}_restricted", layout.restricted_tables(reg))):
        for table in tables:
            rows = read_table(lake, table, schema)
            out[f"{schema}.{table}"] = as_multiset(rows, list(rows[0]) if rows else [])
    counts = read_table(lake, "record_counts")
    last = max(c["run_id"] for c in counts)
    out["record_counts"] = sorted((c["data_type"], c["event"], c["export_end_date"], c["row_count"])
                                  for c in counts if c["run_id"] == last)
    return out


def test_incremental_builds_export_by_export_equal_a_full_refresh(tmp_path, series):
    """Exports ingested and built a few at a time - out of order, one delivered again under
    another name, one ingested twice - give exactly the tables of one full refresh."""
    lake = tmp_path / "lake"
    by_cohort = {c: sorted(p for p in series if p.parent.name == c)
                 for c in ("adults_v1", "pediatric_v1")}
    (a1, a2, a3), (p1, p2, p3) = by_cohort["adults_v1"][:3], by_cohort["pediatric_v1"][:3]
    again = tmp_path / "adults_v1" / a1.name.replace(a1.name[:10], a1.name[:8] + "30")
    again.parent.mkdir()
    shutil.copyfile(a1, again)  # the same delivery under a later name
    # a1 is older than the a2 already built; `again` re-delivers a1's records under a later name
    steps = [([a2, p1], "full refresh"), ([a1, a3, p3, p2, again], "incremental: 5 new"),
             ([a2], "up to date")]
    for exports, expected_plan in steps:
        ingest_all(lake, exports)
        # the data tests run on the full refresh below; leaving them out keeps it a whole build
        result = build(lake, NS, exclude=["test_type:data"])
        assert result.ok, result.failures
        assert result.plan.reason.startswith(expected_plan), result.plan.reason
    incremental = snapshot(lake)
    full = build(lake, NS, full_refresh=True)
    assert full.ok and full.plan.full, full.failures
    assert full.plan.reason == "full refresh: asked for (--full-refresh)"
    refreshed = snapshot(lake)
    assert sorted(refreshed) == sorted(incremental)
    for name in refreshed:
        assert incremental[name] == refreshed[name], name
    assert sum(len(rows) for rows in refreshed.values()) > 10_000


def test_an_empty_lake_still_yields_every_table_empty(tmp_path):
    lake = tmp_path / "lake"
    result = build(lake, NS)
    assert result.ok, result.failures
    for table in all_tables():
        assert read_table(lake, table) == []
    shutil.rmtree(lake)


def test_export_freshness_names_each_cohorts_newest_export(full_lake, series):
    rows = {r["cohort"]: r for r in read_table(full_lake, "export_freshness")}
    newest = {}
    for path in series:
        export = lake_ids.export_id(path.name)
        newest[path.parent.name] = max(newest.get(path.parent.name, ""), export)
    assert {c: r["last_export"] for c, r in rows.items()} == newest
    for row in rows.values():
        assert row["last_export_date"] == dt.date.fromisoformat(row["last_export"][:10])
        assert row["days_before_build"] == (dt.date.today() - row["last_export_date"]).days


def test_a_named_selector_builds_only_its_tables_and_their_parents(tmp_path, series, expected):
    lake = tmp_path / "lake"
    ingest_all(lake, series)
    result = build(lake, NS, selector="fitbit")
    assert result.ok, result.failures
    run = max((lake / NS / "runs").iterdir())
    results = json.loads((run / "run_results.json").read_text())["results"]
    models = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}
    assert "dataset_fitbitsleeplogs" in models and "stg_recover__fitbit_sleep_logs" in models
    assert not any("garmin" in m or "healthkit" in m for m in models), sorted(models)
    want = expected["dataset_fitbitsleeplogs"]
    actual = read_table(lake, "dataset_fitbitsleeplogs")
    columns = list(actual[0])
    assert as_multiset(actual, columns) == as_multiset(want, columns)
