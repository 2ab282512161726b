"""The Athena path on a real engine: the whole dbt build on Trino, compared with DuckDB.

Production shape: `recover ingest` lands the exports in S3 (a moto server) and registers the
raw tables in Glue (the same moto server) with awswrangler; Trino's Hive connector reads them
through its Glue metastore; `dbt build --target trino` runs the same dispatched SQL the Athena
targets use (the `default__` macros). Every curated table must equal the DuckDB build of the
same exports, row for row (values normalised for type only).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from recover import registry
from recover.build import build
from recover.generate import generate_series
from recover.ingest import ingest
from recover.registry import layout

pytest_plugins = ["tests.support.trino"]
pytestmark = [pytest.mark.trino, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NS = "parity"


def all_tables() -> list[str]:
    return layout.curated_tables(registry.load())


def normalise(value):
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=value.microsecond // 1000 * 1000)
    return value


def rows(columns: list[str], data) -> list[tuple]:
    return sorted((tuple(normalise(v) for v in r) for r in data), key=repr)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> list[Path]:
    return generate_series(tmp_path_factory.mktemp("exports"), exports=3, size_mb=0.3, seed=11)


@pytest.fixture(scope="module")
def duckdb_lake(tmp_path_factory, exports) -> Path:
    lake = tmp_path_factory.mktemp("duck")
    ingest([str(p) for p in exports], lake, NS)
    result = build(lake, NS, export=False)
    assert result.ok, result.failures
    return lake


@pytest.fixture(scope="module")
def trino_build(trino, exports):
    """Ingest into S3 + Glue on moto, then `dbt build --target trino`."""
    aws_env = {
        "AWS_ENDPOINT_URL": trino.moto.endpoint, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env = {**os.environ, **aws_env}
    recover = Path(sys.executable).with_name("recover")
    ingest = subprocess.run(
        [str(recover), "ingest", "--lake", f"s3://{trino.bucket}", "--namespace", NS,
         *[str(p) for p in exports]],
        env=env, capture_output=True, text=True, check=False, timeout=600)
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    target = trino.root / "dbt-target"
    dbt = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build", "--target", "trino",
         "--exclude-resource-type", "unit_test", "--target-path", str(target),
         "--log-path", str(target / "logs"), "--no-use-colors"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=1800,
        env={**env, "DBT_PROFILES_DIR": str(ROOT / "profiles"), "RECOVER_NAMESPACE": NS,
             "RECOVER_TRINO_PORT": str(trino.port)})
    assert dbt.returncode == 0, dbt.stdout[-5000:]
    return trino


def test_every_model_builds_on_trino(trino_build):
    schemas = {r[0] for r in trino_build.query("show schemas from hive")}
    assert {NS, f"{NS}_raw", f"{NS}_staging", f"{NS}_intermediate"} <= schemas


@pytest.mark.parametrize("table", all_tables())
def test_curated_table_equals_the_duckdb_build(trino_build, duckdb_lake, table):
    con = duckdb.connect(str(duckdb_lake / NS / "recover.duckdb"), read_only=True)
    try:
        rel = con.sql(f'select * from "{NS}"."{table}"')
        columns = [c.lower() for c in rel.columns]
        expected = rows(columns, rel.fetchall())
    finally:
        con.close()
    select = ", ".join(f'"{c}"' for c in columns)
    actual = rows(columns, trino_build.query(f"select {select} from hive.{NS}.{table}"))
    assert len(actual) == len(expected), table
    if actual != expected:
        missing = [r for r in expected if r not in actual][:1]
        extra = [r for r in actual if r not in expected][:1]
        pytest.fail(f"{table} differs\nduckdb only: {missing}\ntrino only:  {extra}\n{columns}")


def test_curated_tables_are_parquet_partitioned_by_cohort(trino_build):
    ddl = trino_build.query(f"show create table hive.{NS}.dataset_fitbitsleeplogs")[0][0]
    assert "format = 'PARQUET'" in ddl
    assert "partitioned_by = ARRAY['cohort']" in ddl
