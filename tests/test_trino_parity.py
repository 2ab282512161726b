"""The Athena path on a real engine: the whole dbt build on Trino, compared with DuckDB.

Production shape: `recover ingest` lands the exports in S3 (a moto server) and registers the
raw tables in Glue (the same moto server) with awswrangler; Trino's Hive connector reads them
through its Glue metastore; `dbt build --target trino` runs the same dispatched SQL the Athena
targets use (the `default__` macros). Every curated table must equal the DuckDB build of the
same exports, row for row (values normalised for type only). The data tests are left out
here: the Athena tier runs them on the same Trino, with the same SQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from recover import registry
from recover.registry import layout

pytest.register_assert_rewrite("tests.support.tables")
from tests.support.lakes import ORACLE
from tests.support.tables import assert_same_rows, duckdb_table

pytest_plugins = ["tests.support.trino"]
pytestmark = [pytest.mark.trino, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NS = "parity"


def all_tables() -> list[str]:
    return layout.curated_tables(registry.load())


@pytest.fixture(scope="module")
def trino_build(trino, parity_exports):
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
         *[str(p) for p in parity_exports]],
        env=env, capture_output=True, text=True, check=False, timeout=600)
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    target = trino.root / "dbt-target"
    dbt = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build", "--target", "trino",
         # the data tests run on this Trino through dbt-athena (tests/test_athena_build.py's
         # first build, the same dispatched SQL): not twice
         "--exclude-resource-type", "unit_test", "--exclude", "test_type:data",
         "--target-path", str(target),
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
def test_curated_table_equals_the_duckdb_build(trino_build, oracle_lake, table):
    columns, expected = duckdb_table(oracle_lake, ORACLE, table)
    select = ", ".join(f'"{c}"' for c in columns)
    assert_same_rows(table, "trino", columns, expected,
                     trino_build.query(f"select {select} from hive.{NS}.{table}"))


def test_curated_tables_are_parquet_partitioned_by_cohort(trino_build):
    ddl = trino_build.query(f"show create table hive.{NS}.dataset_fitbitsleeplogs")[0][0]
    assert "format = 'PARQUET'" in ddl
    assert "partitioned_by = ARRAY['cohort']" in ddl
