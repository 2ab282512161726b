"""`recover compare --lake s3://...`: the Athena runner on the suite's Athena endpoint.

Two namespaces of a few hand-made tables (created by CTAS through the endpoint, in a workgroup
that enforces its result location as the analysts' `recover-{ns}` does), compared by the CLI
with the default boto3 client (AWS_ENDPOINT_URL_ATHENA points it at the endpoint): the same
SQL as on DuckDB runs on the Athena engine (Trino), and only counts and examples come back.
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.support.trino", "tests.support.athena")

pytest_plugins = ["tests.support.trino", "tests.support.athena"]
pytestmark = pytest.mark.athena

BASE, CAND = "cmpbase", "cmpcand"
WORKGROUP = "recover-cmpcand"
SLEEP = [("ParticipantIdentifier", "varchar"), ("LogId", "varchar"),
         ("MinutesAsleep", "bigint"), ("IsMainSleep", "boolean"), ("StartDate", "timestamp"),
         ("cohort", "varchar")]
BASE_SLEEP = [("p1", "l1", 400, True, "2024-01-01 22:00:00", "adults_v1"),
              ("p1", "l2", 300, False, "2024-01-02 22:00:00", "adults_v1"),
              ("p2", "l3", None, True, "2024-01-03 22:00:00", "pediatric_v1"),
              ("p3", None, 10, None, None, "adults_v1")]  # a NULL key part matches itself
CAND_SLEEP = [("p1", "l2", 301, False, "2024-01-02 22:00:00", "adults_v1"),
              ("p2", "l3", None, True, "2024-01-03 22:00:00", "pediatric_v1"),
              ("p3", None, 10, None, None, "adults_v1"),
              ("p4", "l9", 1, True, "2024-01-04 22:00:00", "adults_v1")]
COUNTS = [("run_id", "varchar"), ("data_type", "varchar"), ("step", "varchar"), ("rows", "bigint")]


def sql_value(value, sql_type: str) -> str:
    if value is None:
        return f"cast(null as {sql_type})"
    if sql_type == "timestamp":
        return f"cast('{value}' as timestamp)"
    if sql_type == "varchar":
        return "cast('" + str(value).replace("'", "''") + "' as varchar)"
    if sql_type == "boolean":
        return "true" if value else "false"
    return f"cast({value} as {sql_type})"


def ctas(ep, schema: str, table: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
    values = ", ".join("(" + ", ".join(sql_value(v, t) for v, (_, t) in zip(r, columns,
                                                                            strict=True)) + ")"
                       for r in rows)
    names = ", ".join(f'"{c}"' for c, _ in columns)
    qe = ep.run(f"create table {schema}.{table} as select * from (values {values}) as t({names})",
                workgroup=WORKGROUP)
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]


@pytest.fixture(scope="module")
def namespaces(athena):
    athena.client().create_work_group(Name=WORKGROUP, Configuration={
        "ResultConfiguration": {"OutputLocation":
                                f"s3://{athena.trino.bucket}/athena-results/{CAND}/"},
        "EnforceWorkGroupConfiguration": True})
    for schema in (BASE, CAND):
        qe = athena.run(f"create database if not exists {schema}", workgroup=WORKGROUP)
        assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    ctas(athena, BASE, "dataset_fitbitsleeplogs", SLEEP, BASE_SLEEP)
    ctas(athena, CAND, "dataset_fitbitsleeplogs", SLEEP, CAND_SLEEP)
    devices = [("ParticipantIdentifier", "varchar"), ("Date", "timestamp"), ("Device", "varchar")]
    rows = [("p1", "2024-01-01 00:00:00", "Charge 6")]
    ctas(athena, BASE, "dataset_fitbitdevices", [*devices, ("Battery", "varchar")],
         [(*r, "High") for r in rows])
    ctas(athena, CAND, "dataset_fitbitdevices", [*devices, ("Extra", "bigint")],
         [(*r, None) for r in rows])
    ctas(athena, BASE, "dataset_fitbitecg", [("ParticipantIdentifier", "varchar")], [("p1",)])
    ctas(athena, BASE, "record_counts", COUNTS, [("run-a", "FitbitSleepLogs", "READ", 4)] * 2)
    ctas(athena, CAND, "record_counts", COUNTS, [("run-b", "FitbitSleepLogs", "READ", 4)] * 2)
    yield athena
    # leave the shared moto as found: other athena-tier modules list the whole bucket
    glue, s3 = athena.client("glue"), athena.client("s3")
    for schema in (BASE, CAND):
        for table in glue.get_tables(DatabaseName=schema)["TableList"]:
            glue.delete_table(DatabaseName=schema, Name=table["Name"])
        glue.delete_database(Name=schema)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=athena.trino.bucket,
                                                         Prefix=f"athena-results/{CAND}/")
    for page in pages:
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=athena.trino.bucket, Key=obj["Key"])
    athena.client().delete_work_group(WorkGroup=WORKGROUP, RecursiveDeleteOption=True)


def test_compare_on_athena_runs_the_same_sql_in_the_engine(namespaces, cli, monkeypatch):
    for name, value in namespaces.env().items():
        monkeypatch.setenv(name, value)
    lake = f"s3://{namespaces.trino.bucket}"
    code, out, err = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake,
                         "--format", "markdown")
    assert code == 1, err
    assert f"on Athena (workgroup {WORKGROUP})" in out  # the candidate's analysts' workgroup
    assert "3 table(s) compared: 0 equal, 3 differ" in out
    row = next(line for line in out.splitlines() if line.startswith("| dataset_fitbitsleeplogs |"))
    assert [c.strip() for c in row.strip("|").split("|")][1:7] == [
        "differs", "4", "4", "1", "1", "1"]
    assert "participantidentifier=p1, logid=l1" in out  # Athena lower-cases column names
    assert "participantidentifier=p4, logid=l9" in out
    assert "participantidentifier=p1, logid=l2; minutesasleep: 300 -> 301" in out
    assert "column battery (varchar) only in base" in out
    assert "column extra (bigint) only in candidate" in out
    assert "| dataset_fitbitecg | only in base | 1 | - |" in out
    # no registry key: multisets; the run id differs by construction and is left out
    code, out, err = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake,
                         "--select", "record_counts")
    assert code == 0, out + err
    code, out, err = cli("compare", "--base", BASE, "--candidate", "cmpnone", "--lake", lake)
    assert (code, out) == (2, "") and err.count("\n") == 1 and "cmpnone" in err
