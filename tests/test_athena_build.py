"""dbt-athena's own code path, for real: `recover build --target namespace` (dbt build on the
Athena target, then publishing) against the test Athena endpoint (tests/support/athena_endpoint.py:
the Athena API on the suite's Trino, Glue and S3 on moto), with dbt-athena-community unchanged.

The story of one namespace, in file order (each step a module fixture that records what it
left behind, so every assertion reads a snapshot, not a state a later step has changed):

1. ``recover ingest --lake s3://...`` lands two weeks of exports of both cohorts, commits them
   and registers the raw partitions; the workgroups are created as deploy/template.yaml declares them;
2. first build: the build runner's entry point (deploy/runner.sh, as CodeBuild runs it) runs
   `recover build --target namespace`, which runs `dbt build --target namespace` (seeds,
   staging views, intermediate tables, the candidate curated and monitoring tables in
   ``{ns}_candidate``, data tests) and publishes the candidates into ``{ns}``; then plain
   `dbt test --select test_type:unit` runs the unit tests that can run on Athena;
3. a build in which two curated models fail (injected at the endpoint): one before it writes
   anything, one after writing its files (what a failed Athena CTAS can leave behind);
4. the third week's exports ingested, then the second build over the same namespace: an
   incremental one; it recovers, publishes, expires older data, leaves no orphan;
5. ``--target prod`` (namespace ``main``) on a slice of the DAG.

Then: every curated table equals one DuckDB full build over every export row for row (read through the analysts'
Athena workgroup with PyAthena), the lake-layout contract (Glue locations, partitions, column
types, the S3 keys that exist), the descriptions dbt persisted to Glue, and the Glue actions the
builds needed against README's IAM list.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from recover import lake as lake_ids
from recover import registry
from recover.registry import layout

pytest.register_assert_rewrite("tests.support.trino", "tests.support.athena",
                               "tests.support.tables")
from tests.support.athena import AthenaEndpoint
from tests.support.html_tree import parse
from tests.support.lakes import ORACLE
from tests.support.report_page import counts_table, number
from tests.support.tables import assert_same_rows, duckdb_table

pytest_plugins = ["tests.support.trino", "tests.support.athena"]
pytestmark = [pytest.mark.athena, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NS = "athena"
PROD = "main"  # the prod target's namespace (profiles/profiles.yml)
FAILING = "dataset_fitbitecg"  # fails before it writes anything
PARTIAL = "dataset_fitbitdevices"  # fails after writing its files
SURVIVOR = "dataset_fitbitsleeplogs"  # selected with them; succeeds


def curated() -> list[str]:
    return layout.curated_tables(registry.load())


SEEDS = ("value_expectations", "data_types", "restricted_zip3")
CANDIDATE = f"{NS}_candidate"
RESTRICTED = f"{NS}_restricted"  # personal data: its own schema and prefix, published alike


def databases(ns: str) -> tuple[str, ...]:
    return (ns, f"{ns}_candidate", f"{ns}_restricted", f"{ns}_restricted_candidate",
            f"{ns}_staging", f"{ns}_intermediate", f"{ns}_intermediate_candidate")


# --- the namespace's life ---------------------------------------------------------------------


def norm(location: str | None) -> str | None:
    return location.rstrip("/") if location else None


class Snapshot:
    """What a step left in S3 and Glue (moto), and dbt's run results."""

    def __init__(self, athena: AthenaEndpoint, ns: str, results: list[dict] | None,
                 run_id: str | None = None) -> None:
        s3, glue = athena.client("s3"), athena.client("glue")
        self.results = results or []
        self.run_id = run_id
        self.keys: dict[str, str] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=athena.trino.bucket):
            self.keys.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
        self.tables: dict[str, dict[str, dict]] = {}
        self.partitions: dict[tuple[str, str], list[dict]] = {}
        for db in databases(ns):
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
        try:
            body = s3.get_object(Bucket=athena.trino.bucket, Key=f"{ns}/parquet/_published.json")
            self.manifest = json.loads(body["Body"].read())
        except s3.exceptions.NoSuchKey:
            self.manifest = {}

    def status(self, node: str) -> str | None:
        return next((r["status"] for r in self.results if r["unique_id"].endswith(f".{node}")),
                    None)

    def under(self, prefix: str) -> dict[str, str]:
        return {k: v for k, v in self.keys.items() if k.startswith(prefix)}

    def location(self, db: str, table: str) -> str | None:
        return norm(self.tables[db][table]["StorageDescriptor"].get("Location"))


OUTPUT: dict[str, str] = {}  # run id -> what `recover build` printed


def recover_build(athena: AthenaEndpoint, ns: str, target: str, workdir: Path,
                  select: list[str] | None = None, exclude: list[str] | None = None,
                  expect_ok: bool = True, full_refresh: bool = False, runner: bool = False
                  ) -> tuple[str, list[dict]]:
    """`recover build --target namespace|prod` as production runs it: (run id, dbt results).
    With `runner`, through the build runner's entry point (deploy/runner.sh) with the build
    project's environment, as CodeBuild runs it (from the project's root)."""
    recover = str(Path(sys.executable).with_name("recover"))
    env = athena.build_env(ns)
    if runner:
        assert not (select or exclude or full_refresh)
        cmd = ["bash", str(ROOT / "deploy" / "runner.sh")]
        env.update(RECOVER_BIN=recover, RECOVER_LAKE=f"s3://{athena.trino.bucket}",
                   RECOVER_TARGET=target)
        workdir = ROOT
    else:
        cmd = [recover, "build", "--lake", f"s3://{athena.trino.bucket}", "--namespace", ns,
               "--target", target]
    if select:
        cmd += ["--select", *select]
    if exclude:
        cmd += ["--exclude", *exclude]
    if full_refresh:
        cmd += ["--full-refresh"]
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True,
                          text=True, check=False, timeout=1800)
    runs = sorted((workdir / ".recover" / ns / "runs").iterdir(), key=lambda p: p.name)
    OUTPUT[runs[-1].name] = proc.stdout
    out = proc.stdout[-4000:] + proc.stderr[-4000:]
    if expect_ok:
        assert proc.returncode == 0, out + "\n" + (runs[-1] / "dbt.out").read_text()[-6000:] \
            + "\n" + athena.log_tail()
    else:
        assert proc.returncode != 0, out
    return runs[-1].name, json.loads((runs[-1] / "run_results.json").read_text())["results"]


def dbt(athena: AthenaEndpoint, ns: str, target: str, args: list[str], target_path: Path
        ) -> list[dict]:
    """Plain dbt on an Athena target (what a developer runs)."""
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), *args, "--target", target,
         "--target-path", str(target_path), "--log-path", str(target_path / "logs"),
         "--no-use-colors"],
        cwd=ROOT, env=athena.build_env(ns), capture_output=True, text=True, check=False,
        timeout=1800)
    assert proc.returncode == 0, proc.stdout[-6000:] + "\n" + athena.log_tail()
    return json.loads((target_path / "run_results.json").read_text())["results"]


def ingest(athena: AthenaEndpoint, ns: str, exports: list[Path]) -> None:
    recover = Path(sys.executable).with_name("recover")
    proc = subprocess.run(
        [str(recover), "ingest", "--lake", f"s3://{athena.trino.bucket}", "--namespace", ns,
         *[str(p) for p in exports]],
        env={**os.environ, **athena.env()}, capture_output=True, text=True, check=False,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Where `recover build` keeps its run artifacts (./.recover/{ns}/runs/{run_id}/)."""
    return tmp_path_factory.mktemp("athena-work")


@pytest.fixture(scope="module")
def ingested(athena, parity_exports) -> Snapshot:
    others = set(Snapshot(athena, NS, None).keys)  # earlier test modules' files (shared bucket)
    ingest(athena, NS, parity_exports[:-2])  # the last week of each cohort comes in the weekly build
    athena.create_workgroups(NS)
    snap = Snapshot(athena, NS, None)
    snap.actions_mark, snap.calls_mark = len(athena.trino.moto.actions()), len(athena.calls())
    snap.others = others
    return snap


@pytest.fixture(scope="module")
def first_build(athena, ingested, workdir) -> Snapshot:
    # the build runner's entry point, as CodeBuild runs it when an export was committed
    run_id, results = recover_build(athena, NS, "namespace", workdir, runner=True)
    return Snapshot(athena, NS, results, run_id)


@pytest.fixture(scope="module")
def unit_tests(athena, first_build, tmp_path_factory) -> list[dict]:
    """`recover build` leaves dbt's unit tests to `make test`: here, on the Athena target."""
    return dbt(athena, NS, "namespace", ["test", "--select", "test_type:unit"],
               tmp_path_factory.mktemp("unit-target"))


@pytest.fixture(scope="module")
def failed_run(athena, first_build, unit_tests, workdir) -> Snapshot:
    ctas = r'create table "awsdatacatalog"\."{ns}"\."{table}"\s'
    athena.set_faults([
        {"match": ctas.format(ns=CANDIDATE, table=FAILING), "mode": "fail",
         "error_name": "GENERIC_INTERNAL_ERROR", "message": "injected: worker lost"},
        {"match": ctas.format(ns=CANDIDATE, table=PARTIAL), "mode": "partial",
         "error_name": "HIVE_WRITER_CLOSE_ERROR", "message": "injected: error committing write"},
    ])
    try:
        run_id, results = recover_build(athena, NS, "namespace", workdir,
                                        select=[FAILING, PARTIAL, SURVIVOR], expect_ok=False)
    finally:
        athena.set_faults([])
    snap = Snapshot(athena, NS, results, run_id)
    # Before anything else touches it: would a plain Athena CTAS trip over the leftovers?
    snap.probe = athena.run(
        f'create table "{CANDIDATE}"."probe" with (external_location = '
        f"'s3://{athena.trino.bucket}/{NS}/parquet/{PARTIAL}/{run_id}/', format = 'parquet') "
        "as select 1 as x", database=NS, workgroup=f"recover-{NS}-dbt")
    return snap


@pytest.fixture(scope="module")
def second_build(athena, parity_exports, failed_run, workdir) -> Snapshot:
    """The next week's export of each cohort, then the next build over the same namespace: an
    incremental one (docs/build.md), after the failed one. Without the data tests the first
    build ran on the same SQL: on this 2-core machine they are a quarter of a build's time."""
    ingest(athena, NS, parity_exports[-2:])
    run_id, results = recover_build(athena, NS, "namespace", workdir,
                                    exclude=["test_type:data"])
    snap = Snapshot(athena, NS, results, run_id)
    snap.actions_mark, snap.calls_mark = len(athena.trino.moto.actions()), len(athena.calls())
    snap.output = OUTPUT[run_id]
    return snap


@pytest.fixture(scope="module")
def prod_build(athena, parity_exports, second_build, tmp_path_factory) -> Snapshot:
    ingest(athena, PROD, parity_exports)
    athena.create_workgroups(PROD)
    run_id, results = recover_build(athena, PROD, "prod", tmp_path_factory.mktemp("prod-work"),
                                    # the range tests read the value_expectations seed
                                    select=[f"+{SURVIVOR}", f"+{SURVIVOR}_sleeplogdetails",
                                            "value_expectations"])
    return Snapshot(athena, PROD, results, run_id)


# --- 1. dbt-athena's materializations ran, all of them -----------------------------------------


def kinds(results: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        out[r["unique_id"].split(".")[0]] = out.get(r["unique_id"].split(".")[0], 0) + 1
    return out


def bad(results: list[dict]) -> list[tuple]:
    return [(r["unique_id"], r["status"], r["message"]) for r in results
            if r["status"] not in ("success", "pass", "warn")]


def test_the_first_build_runs_every_model_seed_and_test_and_publishes(first_build, athena):
    assert not bad(first_build.results)
    counts = kinds(first_build.results)
    assert counts["model"] >= 100 and counts["test"] > 150 and counts["seed"] == len(SEEDS)
    published = set(first_build.tables[NS])
    assert set(curated()) | set(SEEDS) | {"record_counts", "cast_failures"} <= published
    assert first_build.tables[RESTRICTED]
    # the run's folder in the data bucket, its record uploaded last
    record = f"{NS}/runs/{first_build.run_id}/run.json"
    assert record in first_build.keys and f"{NS}/runs/{first_build.run_id}/dbt.out" in first_build.keys
    # candidates leave the catalog once published
    assert not first_build.tables[CANDIDATE] and not first_build.tables[f"{RESTRICTED}_candidate"]
    assert first_build.manifest["run_id"] == first_build.run_id
    rules = {q["rule"] for q in athena.queries()}
    # seeds (CSV upload + OpenCSVSerde table), views, CTAS, dbt-athena's classification ALTER
    assert {"create_table", "create_view", "ctas", "set_tblproperties", "select"} <= rules


def test_the_run_report_in_the_data_bucket_has_this_runs_counts_and_failing_rows(first_build,
                                                                                 athena):
    """The report of an Athena build is read on Athena: the candidate schema's record_counts and
    cast_failures before publishing, and each warned or failed test's rows by its SQL."""
    key = f"{NS}/runs/{first_build.run_id}/report.html"
    assert key in first_build.keys
    body = athena.client("s3").get_object(Bucket=athena.trino.bucket, Key=key)["Body"].read()
    doc = parse(body.decode())
    assert doc.find(id="verdict").text == "passed"
    table = counts_table(doc)
    want: dict[str, dict[str, int]] = {}
    for dtype, event, n in athena.query(
            f"select data_type, event, sum(row_count) from \"{NS}\".\"record_counts\" "
            f"where run_id = '{first_build.run_id}' group by 1, 2", database=NS,
            workgroup=f"recover-{NS}"):  # results under the namespace's athena-results/
        want.setdefault(dtype, {})[event] = int(n)
    assert len(want) > 20 and set(table) >= set(want)
    for dtype, events in want.items():
        assert number(table[dtype]["read"]) == events["READ"], dtype
        assert number(table[dtype]["written"]) == events.get("WRITE"), dtype
    assert any(number(row["cast_failures"]) for row in table.values())
    assert doc.find("svg") is not None  # the charts of counts per export
    flagged = {r["unique_id"] for r in first_build.results
               if r["unique_id"].startswith("test.") and r["status"] in ("warn", "fail")}
    assert flagged  # the synthetic series warns (cast failures, value ranges)
    for box in doc.iter("div", class_="failure"):
        restricted = "restricted" in box.attrs["data-test"]
        rows = box.find("table", class_="rows")
        assert (rows is None) == restricted, box.attrs["data-test"]
        if rows is not None:
            assert "compiled SQL" in box.text and len(rows.rows()) > 1
    assert {box.attrs["data-test"] for box in doc.iter("div", class_="failure")} == flagged


def test_the_unit_tests_run_on_athena(unit_tests):
    assert not bad(unit_tests)
    assert kinds(unit_tests).get("unit_test", 0) >= 5  # models/*/_*__unit_tests.yml


def test_the_seeds_hold_their_csv_rows(first_build, athena):
    for seed in SEEDS:
        with open(ROOT / "seeds" / f"{seed}.csv", newline="") as f:
            want = sum(1 for _ in csv.reader(f)) - 1
        got = athena.query(f'select count(*) from "{NS}"."{seed}"', database=NS,
                           workgroup=f"recover-{NS}")
        assert got == [[want]], seed


def test_every_dbt_query_ran_in_the_dbt_workgroup(first_build, athena):
    dbt_queries = [q for q in athena.queries() if '"app": "dbt"' in q["query"]
                   and '"target_name": "namespace"' in q["query"]]
    assert len(dbt_queries) > 300
    assert {q["workgroup"] for q in dbt_queries} == {f"recover-{NS}-dbt"}


# --- 2. the failed build, and the build after it ------------------------------------------------


def test_a_failed_build_changes_nothing_readers_see(failed_run, first_build, athena):
    assert failed_run.status(FAILING) == "error"
    assert failed_run.status(PARTIAL) == "error"
    assert failed_run.status(SURVIVOR) == "success"
    messages = {r["unique_id"].split(".")[-1]: r["message"] for r in failed_run.results}
    assert "injected: worker lost" in messages[FAILING]
    assert "HIVE_WRITER_CLOSE_ERROR" in messages[PARTIAL]
    # not published: every table readers see is the first build's, untouched
    assert failed_run.manifest == first_build.manifest
    for db in (NS, RESTRICTED):
        assert {t: failed_run.location(db, t) for t in failed_run.tables[db]} == \
            {t: first_build.location(db, t) for t in first_build.tables[db]}
    union = "\nunion all\n".join(f"select '{t}' as t, count(*) as n from \"{NS}\".\"{t}\""
                                 for t in curated())
    counts = dict(athena.query(union, database=NS, workgroup=f"recover-{NS}"))
    assert set(counts) == set(curated()) and all(n > 0 for n in counts.values())


def test_a_ctas_that_failed_after_writing_leaves_files_a_plain_ctas_trips_over(failed_run):
    assert failed_run.under(f"{NS}/parquet/{PARTIAL}/{failed_run.run_id}/"), \
        "the partial fault should leave the files it wrote"
    assert not failed_run.under(f"{NS}/parquet/{FAILING}/{failed_run.run_id}/")
    status = failed_run.probe["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("HIVE_PATH_ALREADY_EXISTS: Target directory")
    assert status["AthenaError"]["ErrorCategory"] == 2


def test_the_second_build_recovers_publishes_and_expires_the_failed_builds_files(
        second_build, failed_run, first_build):
    assert not bad(second_build.results)
    assert second_build.manifest["run_id"] == second_build.run_id
    assert second_build.manifest["previous_run_id"] == first_build.run_id
    for table in (FAILING, PARTIAL, SURVIVOR):
        assert second_build.location(NS, table).endswith(f"/{second_build.run_id}")
        assert len(second_build.partitions[NS, table]) == len(first_build.partitions[NS, table])
    assert not second_build.under(f"{NS}/parquet/{PARTIAL}/{failed_run.run_id}/")


def test_record_counts_keep_the_history_of_published_builds(second_build, first_build, athena):
    runs = dict(athena.query(f'select run_id, count(*) from "{NS}"."record_counts" '
                             "group by run_id", database=NS, workgroup=f"recover-{NS}"))
    assert set(runs) == {first_build.run_id, second_build.run_id}  # not the failed one's


def runner_actions(service: str) -> set[str]:
    """The ``service`` actions deploy/template.yaml's RunnerRole (the build identity) allows."""
    from cfnlint.decode import decode

    template, problems = decode(str(ROOT / "deploy" / "template.yaml"))
    assert not problems, problems
    role = template["Resources"]["RunnerRole"]["Properties"]
    actions: set[str] = set()
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                found = statement["Action"]
                actions |= {found} if isinstance(found, str) else set(found)
    return {a.split(":", 1)[1] for a in actions if a.startswith(f"{service}:")}


# Glue calls of Trino's metastore client that Athena's engine does not make: Trino clears and
# looks up column statistics around CREATE TABLE (moto_glue.py answers them as no-ops) even with
# statistics disabled in the awsdatacatalog catalog; Athena keeps no Glue column statistics.
TRINO_ONLY_GLUE_ACTIONS = {"GetColumnStatisticsForTable", "GetColumnStatisticsForPartition",
                           "DeleteColumnStatisticsForTable", "DeleteColumnStatisticsForPartition",
                           "UpdateColumnStatisticsForTable", "UpdateColumnStatisticsForPartition"}


def test_the_aws_actions_the_builds_needed_are_in_the_runner_role(ingested, second_build,
                                                                  athena):
    """Everything `recover build` (dbt-athena, publishing), Athena's Hive DDL and its engine did
    in Glue, and every Athena operation dbt called, runs with the build identity's permissions
    on AWS: deploy/template.yaml's RunnerRole must allow it (moto and the endpoint log them)."""
    actions = athena.trino.moto.actions()[ingested.actions_mark:second_build.actions_mark]
    glue = {a for service, a, _ in actions if service == "glue"}
    assert {"CreateTable", "GetTable", "DeleteTable", "UpdateTable", "GetTableVersions",
            "DeleteTableVersion", "BatchCreatePartition", "BatchUpdatePartition"} <= glue
    missing = glue - runner_actions("glue") - TRINO_ONLY_GLUE_ACTIONS
    assert not missing, f"RunnerRole lacks Glue actions the build used: {missing}"
    assert {s for s, _, _ in actions} <= {"glue", "sts"}  # STS: GetCallerIdentity (no IAM)
    calls = athena.calls()[ingested.calls_mark:second_build.calls_mark]
    used = {c["operation"] for c in calls if c.get("workgroup") in (None, f"recover-{NS}-dbt")}
    assert {"StartQueryExecution", "GetQueryExecution", "GetQueryResults", "GetWorkGroup"} <= used
    assert not used - runner_actions("athena"), used - runner_actions("athena")


# --- 3. the location contract --------------------------------------------------------------------


@pytest.mark.parametrize("step", ["first_build", "second_build"])
def test_glue_locations_follow_the_lake_layout_contract(step, request, athena):
    snap: Snapshot = request.getfixturevalue(step)
    bucket = athena.trino.bucket
    # what readers see: one folder per build under the table's fixed prefix, as the manifest says
    for db, area in ((NS, "parquet"), (RESTRICTED, "restricted")):
        for name in snap.tables[db]:
            location = snap.location(db, name)
            folder = "[0-9a-f-]{36}" if name in SEEDS else snap.run_id  # seeds: s3_data_naming
            assert re.fullmatch(rf"s3://{bucket}/{NS}/{area}/{name}/{folder}", location), name
            label = name if db == NS else f"{db}.{name}"
            assert norm(snap.manifest["tables"][label]) == location
            assert snap.tables[db][name]["TableType"] == "EXTERNAL_TABLE"
    for (db, name), parts in snap.partitions.items():
        base = snap.location(db, name)
        assert [k["Name"] for k in snap.tables[db][name]["PartitionKeys"]] == ["cohort"]
        assert sorted(norm(p["StorageDescriptor"]["Location"]) for p in parts) == sorted(
            f"{base}/cohort={p['Values'][0]}" for p in parts), name
    for table in curated():
        assert (NS, table) in snap.partitions, table  # Parquet partitioned by cohort
        assert snap.tables[NS][table]["Parameters"]["classification"] == "parquet"
    # intermediate tables: published with the build (an incremental build starts from them)
    assert snap.tables[f"{NS}_intermediate"]
    assert not snap.tables.get(f"{NS}_intermediate_candidate")
    for name in snap.tables[f"{NS}_intermediate"]:
        location = snap.location(f"{NS}_intermediate", name)
        assert location == f"s3://{bucket}/{NS}/work/{name}/{snap.run_id}", name
        assert norm(snap.manifest["tables"][f"{NS}_intermediate.{name}"]) == location
    assert snap.tables[f"{NS}_staging"]
    assert all(t["TableType"] == "VIRTUAL_VIEW" for t in snap.tables[f"{NS}_staging"].values())


@pytest.mark.parametrize("step", ["first_build", "second_build"])
def test_s3_holds_only_the_namespace_prefixes_and_no_orphans(step, request, ingested, parity_exports):
    snap: Snapshot = request.getfixturevalue(step)
    allowed = (*(f"{NS}/{p}/" for p in ("raw", "parquet", "restricted", "work", "runs")),
               f"athena-results/{NS}/")
    outside = [k for k in snap.keys if not k.startswith(allowed) and k not in ingested.others
               and not k.startswith((f"{PROD}/", f"athena-results/{PROD}/"))]
    assert not outside, outside[:5]
    assert not snap.under(f"{NS}/tmp/")
    # raw: untouched by dbt and publishing, byte for byte; only the ingest adds to it
    raw = snap.under(f"{NS}/raw/")
    assert {k: raw.get(k) for k in ingested.under(f"{NS}/raw/")} == ingested.under(f"{NS}/raw/")
    added = {lake_ids.export_id(p.name) for p in parity_exports[-2:]} if step == "second_build" else set()
    assert all(any(e in k for e in added) for k in set(raw) - set(ingested.under(f"{NS}/raw/")))
    # every data file belongs to this build's or the previous build's published data (kept
    # for queries still reading it), or to a current intermediate table
    homes = [*snap.manifest["tables"].values(), *snap.manifest.get("previous_tables", {}).values(),
             *(t["StorageDescriptor"]["Location"] for t in snap.tables[f"{NS}_intermediate"]
               .values())]
    prefixes = tuple(norm(h).split("/", 3)[3] + "/" for h in homes)
    data = {**snap.under(f"{NS}/parquet/"), **snap.under(f"{NS}/restricted/"),
            **snap.under(f"{NS}/work/")}
    orphans = [k for k in data if not k.startswith(prefixes)
               and k != f"{NS}/parquet/_published.json"]
    assert not orphans, orphans[:5]
    # query results: Athena's files, named by query id, under the workgroups' locations
    results = snap.under(f"athena-results/{NS}/")
    assert results and all(re.fullmatch(
        rf"athena-results/{NS}/(dbt/|report/)?[0-9a-f-]{{36}}(\.csv|\.txt|-manifest\.csv)", k)
        for k in results)


DUCK_TO_HIVE = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double",
                "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp"}


def test_curated_column_types_in_glue_match_the_duckdb_build(second_build, oracle_lake):
    con = duckdb.connect(str(oracle_lake / ORACLE / "recover.duckdb"), read_only=True)
    try:
        for table in curated():
            rel = con.sql(f'select * from "{ORACLE}"."{table}" limit 0')
            want = [(c.lower(), DUCK_TO_HIVE.get(str(t), str(t).lower()))
                    for c, t in zip(rel.columns, rel.dtypes, strict=True)]
            t = second_build.tables[NS][table]
            got = [(c["Name"], c["Type"]) for c in
                   t["StorageDescriptor"]["Columns"] + t["PartitionKeys"]]
            assert got == want, table
    finally:
        con.close()


# --- 4. descriptions in Glue ---------------------------------------------------------------------


def glue_comment(text: str) -> str:
    """A column comment as Glue keeps it: at most 255 characters; dbt-athena shortens a longer
    description to 252 and an ellipsis."""
    return text if len(text) <= 255 else text[:252] + "..."


def test_model_and_column_descriptions_reach_glue(second_build, workdir):
    manifest = json.loads((workdir / ".recover" / NS / "runs" / second_build.run_id
                           / "manifest.json").read_text())
    nodes = {n["name"]: n for n in manifest["nodes"].values()
             if n["resource_type"] in ("model", "seed")}
    checked = 0
    for db in (NS, RESTRICTED, f"{NS}_staging", f"{NS}_intermediate"):
        for name, t in second_build.tables[db].items():
            node = nodes[name + "__restricted" if db == RESTRICTED else name]
            if node["description"]:
                assert t.get("Description") == node["description"].strip(), name
                assert t["Parameters"]["comment"] == node["description"].strip(), name
            documented = {k.lower(): v["description"] for k, v in node["columns"].items()
                          if v["description"]}
            for c in t["StorageDescriptor"]["Columns"]:
                if c["Name"] in documented:
                    assert c.get("Comment") == glue_comment(documented[c["Name"]]), \
                        (name, c["Name"])
                    checked += 1
    assert checked > 500


# --- 5. the same tables as DuckDB ----------------------------------------------------------------


def test_the_weekly_build_is_incremental_and_publishes_every_export(second_build, first_build):
    assert "incremental: 2 new export(s) on top of build " + first_build.run_id \
        in second_build.output, second_build.output[-2000:]
    exports = second_build.manifest["state"]["exports"]
    assert len(exports) == 6 and len(first_build.manifest["state"]["exports"]) == 4
    # its intermediate tables start the next build: published with it
    for table in second_build.tables[f"{NS}_intermediate"].values():
        assert table["StorageDescriptor"]["Location"].rstrip("/").endswith(second_build.run_id)


def scanned(results: list[dict], prefix: str) -> dict[str, int]:
    """Bytes Athena scanned per node whose name starts with ``prefix`` (dbt-athena's adapter
    response: the endpoint reports Trino's physical input bytes, as Athena bills them)."""
    return {r["unique_id"].split(".")[-1]:
            (r.get("adapter_response") or {}).get("data_scanned_in_bytes") or 0
            for r in results if r["unique_id"].split(".")[-1].startswith(prefix)}


def test_the_weekly_build_reads_only_the_new_exports_raw_partitions(second_build, first_build):
    """The raw profiles read nothing but raw files (and their own small published table): the
    weekly build's two new exports must cost them less than the first build's four. What a
    whole weekly build scans against a full refresh is `make bench`'s (docs/benchmarks.md)."""
    full, weekly = scanned(first_build.results, "raw_profile__"), scanned(second_build.results,
                                                                           "raw_profile__")
    assert set(full) == set(weekly) and len(full) == 5
    for node, n in weekly.items():
        assert 0 < n < full[node] * 0.75, (node, full[node], n)


# The DuckDB build is one full refresh over every export; Athena's tables come from a full build
# over four of them and, after a failed build, an incremental build of the last two.
@pytest.mark.parametrize("table", curated())
def test_curated_table_equals_the_duckdb_build(second_build, oracle_lake, athena, table):
    columns, expected = duckdb_table(oracle_lake, ORACLE, table)
    select = ", ".join(f'"{c}"' for c in columns)
    # as an analyst reads it: PyAthena, the namespace's enforced workgroup
    assert_same_rows(table, "athena", columns, expected,
                     athena.query(f'select {select} from "{NS}"."{table}"', database=NS,
                                  workgroup=f"recover-{NS}"))


# --- 6. the prod target ---------------------------------------------------------------------------


def test_the_prod_target_builds_and_publishes_namespace_main(prod_build, athena, ingested):
    assert not bad(prod_build.results)
    assert kinds(prod_build.results).get("test", 0) > 3
    assert prod_build.location(PROD, SURVIVOR) == \
        f"s3://{athena.trino.bucket}/{PROD}/parquet/{SURVIVOR}/{prod_build.run_id}"
    assert prod_build.under(f"athena-results/{PROD}/dbt/")
    assert not [k for k in prod_build.keys if k not in ingested.others and not k.startswith(
        (f"{NS}/", f"{PROD}/", f"athena-results/{NS}/", f"athena-results/{PROD}/"))]
