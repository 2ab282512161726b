"""dbt-athena's own code path, for real: `dbt build --target namespace` against the test Athena
endpoint (tests/support/athena_endpoint.py: the Athena API on the suite's Trino, Glue and S3 on
moto), with dbt-athena-community and the project unchanged.

The story of one namespace, in file order (each step a module fixture that records what it
left behind, so every assertion reads a snapshot, not a state a later step has changed):

1. ``recover ingest --lake s3://...`` lands the exports and registers the raw tables; the
   workgroups are created as deploy/template.yaml declares them;
2. first build: seeds (none in this project), staging views, intermediate and curated tables,
   monitoring models (``record_counts`` is incremental: CTAS, then INSERT on later runs),
   data tests and the unit tests that can run on Athena;
3. a run in which two curated models fail (injected at the endpoint): one before it writes
   anything, one after writing its files (what a failed Athena CTAS can leave behind);
4. second build over the same namespace: recovers, and leaves no orphan;
5. ``--target prod`` (namespace ``main``) on a slice of the DAG.

Then: every curated table equals the DuckDB build row for row (read through the analysts'
Athena workgroup with PyAthena), the lake-layout contract (Glue locations, partitions, column
types, the S3 keys that exist), and the descriptions dbt persisted to Glue.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from recover import build, cli, registry, tables
from recover.generate import generate_series

pytest.register_assert_rewrite("tests.support.trino", "tests.support.athena")
from tests.support.athena import AthenaEndpoint

pytest_plugins = ["tests.support.trino", "tests.support.athena"]
pytestmark = [pytest.mark.athena, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NS = "athena"
PROD = "main"  # the prod target's namespace (profiles/profiles.yml)
FAILING = "dataset_fitbitecg"  # fails before it writes anything
PARTIAL = "dataset_fitbitdevices"  # fails after writing its files
SURVIVOR = "dataset_fitbitsleeplogs"  # selected with them; succeeds


def curated() -> list[str]:
    return tables.curated_tables(registry.load())


# --- the namespace's life ---------------------------------------------------------------------


class Snapshot:
    """What a step left in S3 and Glue (moto), and dbt's run results."""

    def __init__(self, athena: AthenaEndpoint, ns: str, results: list[dict] | None) -> None:
        s3, glue = athena.client("s3"), athena.client("glue")
        self.results = results or []
        self.keys: dict[str, str] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=athena.trino.bucket):
            self.keys.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
        self.tables: dict[str, dict[str, dict]] = {}
        self.partitions: dict[tuple[str, str], list[dict]] = {}
        for db in (ns, f"{ns}_staging", f"{ns}_intermediate"):
            try:
                found = glue.get_paginator("get_tables").paginate(
                    DatabaseName=db).build_full_result()["TableList"]
            except glue.exceptions.EntityNotFoundException:
                found = []
            self.tables[db] = {t["Name"]: t for t in found}
            for t in found:
                if t.get("PartitionKeys"):
                    self.partitions[db, t["Name"]] = glue.get_paginator(
                        "get_partitions").paginate(DatabaseName=db, TableName=t["Name"]
                                                   ).build_full_result()["Partitions"]

    def status(self, node: str) -> str | None:
        return next((r["status"] for r in self.results if r["unique_id"].endswith(f".{node}")),
                    None)

    def under(self, prefix: str) -> dict[str, str]:
        return {k: v for k, v in self.keys.items() if k.startswith(prefix)}


def dbt(athena: AthenaEndpoint, ns: str, target: str, args: list[str], target_path: Path,
        expect_ok: bool = True) -> list[dict]:
    env = {**os.environ, **athena.env(), "DBT_PROFILES_DIR": str(ROOT / "profiles"),
           "RECOVER_NAMESPACE": ns, "RECOVER_BUCKET": athena.trino.bucket,
           "RECOVER_DBT_WORKGROUP": f"recover-{ns}-dbt"}
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), *args, "--target", target,
         "--target-path", str(target_path), "--log-path", str(target_path / "logs"),
         "--no-use-colors"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=1800)
    if expect_ok:
        assert proc.returncode == 0, proc.stdout[-6000:] + "\n" + athena.log_tail()
    else:
        assert proc.returncode != 0, proc.stdout[-3000:]
    return json.loads((target_path / "run_results.json").read_text())["results"]


def create_workgroups(athena: AthenaEndpoint, ns: str) -> None:
    """The namespace's two workgroups, configured as deploy/template.yaml declares them."""
    from cfnlint.decode import decode

    template, problems = decode(str(ROOT / "deploy" / "template.yaml"))
    assert not problems, problems

    def sub(value):
        if isinstance(value, dict) and "Fn::Sub" in value:
            return value["Fn::Sub"].replace("${Namespace}", ns).replace(
                "${DataBucketName}", athena.trino.bucket)
        if isinstance(value, dict):
            return {k: sub(v) for k, v in value.items()}
        return value

    client = athena.client()
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Athena::WorkGroup":
            continue
        props = sub(resource["Properties"])
        config = props["WorkGroupConfiguration"]
        client.create_work_group(
            Name=props["Name"], Description=props.get("Description", ""),
            Configuration={
                "ResultConfiguration": {"OutputLocation":
                                        config["ResultConfiguration"]["OutputLocation"]},
                "EnforceWorkGroupConfiguration": config["EnforceWorkGroupConfiguration"],
                "PublishCloudWatchMetricsEnabled": config["PublishCloudWatchMetricsEnabled"]})


def ingest(athena: AthenaEndpoint, ns: str, exports: list[Path]) -> None:
    recover = Path(sys.executable).with_name("recover")
    proc = subprocess.run(
        [str(recover), "ingest", "--lake", f"s3://{athena.trino.bucket}", "--namespace", ns,
         *[str(p) for p in exports]],
        env={**os.environ, **athena.env()}, capture_output=True, text=True, check=False,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> list[Path]:
    return generate_series(tmp_path_factory.mktemp("exports"), exports=3, size_mb=0.3, seed=11)


@pytest.fixture(scope="module")
def target_dir(tmp_path_factory) -> Path:
    # One target path for the namespace's runs: dbt re-parses only what changed.
    return tmp_path_factory.mktemp("athena-target")


@pytest.fixture(scope="module")
def ingested(athena, exports) -> Snapshot:
    ingest(athena, NS, exports)
    create_workgroups(athena, NS)
    snap = Snapshot(athena, NS, None)
    snap.actions_mark = len(athena.trino.moto.actions())
    return snap


@pytest.fixture(scope="module")
def first_build(athena, ingested, target_dir) -> Snapshot:
    results = dbt(athena, NS, "namespace", ["build"], target_dir)
    return Snapshot(athena, NS, results)


@pytest.fixture(scope="module")
def failed_run(athena, first_build, target_dir) -> Snapshot:
    ctas = r'create table "awsdatacatalog"\."{ns}"\."{table}"\s'
    athena.set_faults([
        {"match": ctas.format(ns=NS, table=FAILING), "mode": "fail",
         "error_name": "GENERIC_INTERNAL_ERROR", "message": "injected: worker lost"},
        {"match": ctas.format(ns=NS, table=PARTIAL), "mode": "partial",
         "error_name": "HIVE_WRITER_CLOSE_ERROR", "message": "injected: error committing write"},
    ])
    try:
        results = dbt(athena, NS, "namespace", ["run", "--select", FAILING, PARTIAL, SURVIVOR],
                      target_dir, expect_ok=False)
    finally:
        athena.set_faults([])
    snap = Snapshot(athena, NS, results)
    # Before anything else touches it: would a plain Athena CTAS trip over the leftovers?
    leftover = athena.run(
        f'create table "{NS}"."probe" with (external_location = '
        f"'s3://{athena.trino.bucket}/{NS}/parquet/{PARTIAL}', format = 'parquet') "
        "as select 1 as x", database=NS, workgroup=f"recover-{NS}-dbt")
    snap.probe = leftover
    return snap


@pytest.fixture(scope="module")
def second_build(athena, failed_run, target_dir) -> Snapshot:
    results = dbt(athena, NS, "namespace", ["build"], target_dir)
    snap = Snapshot(athena, NS, results)
    snap.actions_mark = len(athena.trino.moto.actions())
    return snap


@pytest.fixture(scope="module")
def prod_build(athena, exports, second_build, tmp_path_factory) -> Snapshot:
    ingest(athena, PROD, exports)
    create_workgroups(athena, PROD)
    results = dbt(athena, PROD, "prod", ["build", "--select", f"+{SURVIVOR}",
                                         f"+{SURVIVOR}_sleeplogdetails"],
                  tmp_path_factory.mktemp("prod-target"))
    return Snapshot(athena, PROD, results)


@pytest.fixture(scope="module")
def duckdb_lake(tmp_path_factory, exports) -> Path:
    lake = tmp_path_factory.mktemp("duck")
    assert cli.main(["ingest", "--lake", str(lake), "--namespace", NS,
                     *[str(p) for p in exports]]) == 0
    result = build.build(lake, NS, progress=None, export=False)
    assert result.ok, result.failures
    return lake


# --- 1. dbt-athena's materializations ran, all of them -----------------------------------------


def kinds(results: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        out[r["unique_id"].split(".")[0]] = out.get(r["unique_id"].split(".")[0], 0) + 1
    return out


def test_first_build_runs_every_model_and_test_through_dbt_athena(first_build, athena):
    bad = [(r["unique_id"], r["status"], r["message"]) for r in first_build.results
           if r["status"] not in ("success", "pass", "warn")]
    assert not bad, bad
    counts = kinds(first_build.results)
    assert counts["model"] >= 100 and counts["test"] > 150
    assert counts["unit_test"] >= 5  # the ones that can run on Athena (models/*/_*__unit_tests.yml)
    rules = {q["rule"] for q in athena.queries()}
    # views, CTAS with external_location, dbt-athena's classification ALTER, SELECTs
    assert {"create_view", "ctas", "set_tblproperties", "select"} <= rules


def test_every_dbt_query_ran_in_the_dbt_workgroup(first_build, athena):
    dbt_queries = [q for q in athena.queries()
                   if '"app": "dbt"' in q["query"] and '"target_name": "namespace"' in q["query"]]
    assert len(dbt_queries) > 300
    assert {q["workgroup"] for q in dbt_queries} == {f"recover-{NS}-dbt"}


# --- 2. the failed run, and the build after it --------------------------------------------------


def test_a_failed_model_leaves_the_other_tables_queryable(failed_run, first_build, athena):
    assert failed_run.status(FAILING) == "error"
    assert failed_run.status(PARTIAL) == "error"
    assert failed_run.status(SURVIVOR) == "success"
    messages = {r["unique_id"].split(".")[-1]: r["message"] for r in failed_run.results}
    assert "injected: worker lost" in messages[FAILING]
    assert "HIVE_WRITER_CLOSE_ERROR" in messages[PARTIAL]
    # dbt-athena drops a Hive table before its CTAS: the failed ones are gone until the next
    # build (the cost of a fixed location, README), every other table is still there.
    assert FAILING not in failed_run.tables[NS] and PARTIAL not in failed_run.tables[NS]
    others = [t for t in curated() if t not in (FAILING, PARTIAL)]
    assert set(others) <= set(failed_run.tables[NS])
    union = "\nunion all\n".join(f"select '{t}' as t, count(*) as n from \"{NS}\".\"{t}\""
                                 for t in others)
    counts = dict(athena.query(union, database=NS, workgroup=f"recover-{NS}"))
    assert set(counts) == set(others) and all(n > 0 for n in counts.values())


def test_a_ctas_that_failed_after_writing_leaves_files_a_plain_ctas_trips_over(failed_run):
    leftovers = failed_run.under(f"{NS}/parquet/{PARTIAL}/")
    assert leftovers, "the partial fault should leave the files it wrote"
    assert not failed_run.under(f"{NS}/parquet/{FAILING}/")
    status = failed_run.probe["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("HIVE_PATH_ALREADY_EXISTS: Target directory")
    assert status["AthenaError"]["ErrorCategory"] == 2


def test_the_second_build_recovers_and_succeeds(second_build, first_build):
    bad = [(r["unique_id"], r["status"], r["message"]) for r in second_build.results
           if r["status"] not in ("success", "pass", "warn")]
    assert not bad, bad
    assert {FAILING, PARTIAL} <= set(second_build.tables[NS])
    for table in (FAILING, PARTIAL):
        assert len(second_build.partitions[NS, table]) == len(first_build.partitions[NS, table])


def test_record_counts_appends_one_run_per_build(second_build, athena):
    """The incremental model (dbt-athena's append strategy: CTAS first, INSERT after)."""
    runs = athena.query(f'select run_id, count(*) from "{NS}"."record_counts" group by run_id',
                        database=NS, workgroup=f"recover-{NS}")
    assert len(runs) == 2 and runs[0][1] == runs[1][1] > 0
    inserts = [q for q in athena.queries() if q["rule"] == "insert" and "record_counts" in
               q["query"] and q["state"] == "SUCCEEDED"]
    assert inserts


def readme_iam(service: str) -> set[str]:
    """The actions README's "IAM for a namespace run" lists for ``service`` (Glue, Athena)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("IAM for a namespace run", 1)[1].split("* **Offline checks**", 1)[0]
    bullet = re.search(rf"\* {service}: (.*?)(?=\n  \* |\Z)", section, re.DOTALL).group(1)
    names = set()
    for name in re.findall(r"`([A-Za-z]+(?:\(s\))?)`", bullet):
        names |= {name[:-3], name[:-3] + "s"} if name.endswith("(s)") else {name}
    return names


# Glue calls of Trino's metastore client that Athena's engine does not make: Trino clears and
# looks up column statistics around CREATE TABLE (moto_glue.py answers them as no-ops) even with
# statistics disabled in the awsdatacatalog catalog; Athena keeps no Glue column statistics.
TRINO_ONLY_GLUE_ACTIONS = {"GetColumnStatisticsForTable", "GetColumnStatisticsForPartition",
                           "DeleteColumnStatisticsForTable", "DeleteColumnStatisticsForPartition",
                           "UpdateColumnStatisticsForTable", "UpdateColumnStatisticsForPartition"}


def test_the_glue_actions_the_builds_needed_are_in_the_readme_iam_list(ingested, second_build,
                                                                       athena):
    """Everything dbt-athena, Athena's Hive DDL and its engine did in Glue during the builds
    runs with the dbt identity's permissions on AWS: README's IAM list must cover it."""
    actions = athena.trino.moto.actions()[ingested.actions_mark:second_build.actions_mark]
    glue = {a for service, a, _ in actions if service == "glue"}
    assert {"CreateTable", "GetTable", "DeleteTable", "UpdateTable", "GetTableVersions",
            "DeleteTableVersion", "BatchCreatePartition"} <= glue
    missing = glue - readme_iam("Glue") - TRINO_ONLY_GLUE_ACTIONS
    assert not missing, f"README's IAM list lacks Glue actions the build used: {missing}"
    assert {s for s, _, _ in actions} <= {"glue", "sts"}  # STS: GetCallerIdentity (no IAM)


# --- 3. the location contract --------------------------------------------------------------------


def expected_location(bucket: str, ns: str, db: str, table: str) -> str | None:
    if db == ns:
        return f"s3://{bucket}/{ns}/parquet/{table}"
    if db == f"{ns}_intermediate":
        return f"s3://{bucket}/{ns}/work/{table}"
    return None  # views


@pytest.mark.parametrize("step", ["first_build", "second_build"])
def test_glue_locations_follow_the_lake_layout_contract(step, request, athena):
    snap: Snapshot = request.getfixturevalue(step)
    bucket = athena.trino.bucket
    for db, found in snap.tables.items():
        for name, t in found.items():
            location = t["StorageDescriptor"].get("Location") or None
            assert location == expected_location(bucket, NS, db, name), (db, name)
            if (db, name) in snap.partitions:
                assert [k["Name"] for k in t["PartitionKeys"]] == ["cohort"]
                assert sorted(p["StorageDescriptor"]["Location"]
                              for p in snap.partitions[db, name]) == sorted(
                    f"{location}/cohort={p['Values'][0]}" for p in snap.partitions[db, name])
    assert set(curated()) <= set(snap.tables[NS])
    assert all(t["TableType"] == "VIRTUAL_VIEW" for t in snap.tables[f"{NS}_staging"].values())
    for table in curated():
        assert (NS, table) in snap.partitions, table  # every curated table: Parquet by cohort
        assert snap.tables[NS][table]["Parameters"]["classification"] == "parquet"


@pytest.mark.parametrize("step", ["first_build", "second_build"])
def test_s3_holds_only_the_namespace_prefixes_and_no_orphans(step, request, ingested):
    snap: Snapshot = request.getfixturevalue(step)
    allowed = tuple(f"{NS}/{p}/" for p in ("raw", "parquet", "work", "athena-results"))
    outside = [k for k in snap.keys if not k.startswith(allowed)
               and not k.startswith(f"{PROD}/")]
    assert not outside, outside[:5]
    assert not snap.under(f"{NS}/tmp/")  # incremental temp tables are dropped with their data
    # raw: untouched by dbt, byte for byte
    assert snap.under(f"{NS}/raw/") == ingested.under(f"{NS}/raw/")
    # every data file belongs to a table (and partition) that exists now
    homes = []
    for db in (NS, f"{NS}_intermediate"):
        for name, t in snap.tables[db].items():
            if (db, name) in snap.partitions:
                homes += [p["StorageDescriptor"]["Location"] for p in snap.partitions[db, name]]
            else:
                homes.append(t["StorageDescriptor"]["Location"])
    prefixes = tuple(h.split("/", 3)[3] + "/" for h in homes)
    orphans = [k for k in {**snap.under(f"{NS}/parquet/"), **snap.under(f"{NS}/work/")}
               if not k.startswith(prefixes)]
    assert not orphans, orphans[:5]
    # query results: Athena's files, named by query id, under the dbt workgroup's location
    results = snap.under(f"{NS}/athena-results/")
    assert results and all(re.fullmatch(
        rf"{NS}/athena-results/(dbt/)?[0-9a-f-]{{36}}(\.csv|\.txt|-manifest\.csv)", k)
        for k in results)


DUCK_TO_HIVE = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double",
                "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp"}


def test_curated_column_types_in_glue_match_the_duckdb_build(second_build, duckdb_lake):
    con = duckdb.connect(str(duckdb_lake / NS / "recover.duckdb"), read_only=True)
    try:
        for table in curated():
            rel = con.sql(f'select * from "{NS}"."{table}" limit 0')
            want = [(c.lower(), DUCK_TO_HIVE.get(str(t), str(t).lower()))
                    for c, t in zip(rel.columns, rel.dtypes, strict=True)]
            t = second_build.tables[NS][table]
            got = [(c["Name"], c["Type"]) for c in
                   t["StorageDescriptor"]["Columns"] + t["PartitionKeys"]]
            assert got == want, table
    finally:
        con.close()


# --- 4. descriptions in Glue ---------------------------------------------------------------------


def test_model_and_column_descriptions_reach_glue(second_build, target_dir):
    manifest = json.loads((target_dir / "manifest.json").read_text())
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    checked = 0
    for found in second_build.tables.values():
        for name, t in found.items():
            node = nodes[name]
            if node["description"]:
                assert t.get("Description") == node["description"].strip(), name
                assert t["Parameters"]["comment"] == node["description"].strip(), name
            documented = {k.lower(): v["description"] for k, v in node["columns"].items()
                          if v["description"]}
            for c in t["StorageDescriptor"]["Columns"]:
                if c["Name"] in documented:
                    assert c.get("Comment") == documented[c["Name"]][:255], (name, c["Name"])
                    checked += 1
    assert checked > 500


# --- 5. the same tables as DuckDB ----------------------------------------------------------------


def normalise(value):
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=value.microsecond // 1000 * 1000)
    return value


def rows(data) -> list[tuple]:
    return sorted((tuple(normalise(v) for v in r) for r in data), key=repr)


@pytest.mark.parametrize("table", curated())
def test_curated_table_equals_the_duckdb_build(second_build, duckdb_lake, athena, table):
    con = duckdb.connect(str(duckdb_lake / NS / "recover.duckdb"), read_only=True)
    try:
        rel = con.sql(f'select * from "{NS}"."{table}"')
        columns = [c.lower() for c in rel.columns]
        expected = rows(rel.fetchall())
    finally:
        con.close()
    select = ", ".join(f'"{c}"' for c in columns)
    # as an analyst reads it: PyAthena, the namespace's enforced workgroup
    actual = rows(athena.query(f'select {select} from "{NS}"."{table}"', database=NS,
                               workgroup=f"recover-{NS}"))
    assert len(actual) == len(expected), table
    if actual != expected:
        missing = [r for r in expected if r not in actual][:1]
        extra = [r for r in actual if r not in expected][:1]
        pytest.fail(f"{table} differs\nduckdb only: {missing}\nathena only: {extra}\n{columns}")


# --- 6. the prod target ---------------------------------------------------------------------------


def test_the_prod_target_builds_namespace_main(prod_build, athena):
    bad = [(r["unique_id"], r["status"]) for r in prod_build.results
           if r["status"] not in ("success", "pass", "warn")]
    assert not bad, bad
    assert kinds(prod_build.results).get("test", 0) > 3
    t = prod_build.tables[PROD][SURVIVOR]
    assert t["StorageDescriptor"]["Location"] == \
        f"s3://{athena.trino.bucket}/{PROD}/parquet/{SURVIVOR}"
    assert prod_build.under(f"{PROD}/athena-results/dbt/")
    assert not [k for k in prod_build.keys if not k.startswith((f"{NS}/", f"{PROD}/"))]
