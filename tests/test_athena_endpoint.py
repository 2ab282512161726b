"""The test Athena endpoint behaves as Athena does where dbt-athena and PyAthena look.

Each test talks to the endpoint through boto3 or PyAthena, the way those clients talk to
Athena: query states, result pages and types, result files in S3, Athena-style failures,
workgroups, and the Hive DDL the endpoint carries out on Glue (tests/support/athena_dialect.py
has the table; tests/test_athena_dialect.py checks each translation without services).
"""

from __future__ import annotations

import csv
import io
import time
from urllib.parse import urlparse

import boto3
import pytest
from botocore.exceptions import ClientError

pytest.register_assert_rewrite("tests.support.trino", "tests.support.athena")

pytest_plugins = ["tests.support.trino", "tests.support.athena"]
pytestmark = pytest.mark.athena

DB = "endpoint_tests"


@pytest.fixture(scope="module")
def ep(athena):
    """The endpoint, a database and an output location for this module."""
    out = f"s3://{athena.trino.bucket}/{DB}/results/"
    qe = athena.run(f"create database if not exists `{DB}`", output=out)
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    athena.out = out
    return athena


def run(ep, sql: str, **kwargs) -> dict:
    kwargs.setdefault("output", ep.out)
    kwargs.setdefault("database", DB)
    return ep.run(sql, **kwargs)


def ok(ep, sql: str, **kwargs) -> dict:
    qe = run(ep, sql, **kwargs)
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    return qe


def s3_text(ep, uri: str) -> str:
    u = urlparse(uri)
    return ep.client("s3").get_object(Bucket=u.netloc, Key=u.path.lstrip("/"))["Body"].read(
        ).decode()


def all_pages(ep, qid: str, size: int = 1000) -> list[dict]:
    athena, pages, token = ep.client(), [], None
    while True:
        kw = {"QueryExecutionId": qid, "MaxResults": size, **({"NextToken": token} if token
                                                                else {})}
        page = athena.get_query_results(**kw)
        pages.append(page)
        token = page.get("NextToken")
        if not token:
            return pages


def test_clients_reach_the_endpoint_through_boto3s_per_service_variable(ep, monkeypatch):
    """dbt-athena and PyAthena build clients from boto3 sessions: AWS_ENDPOINT_URL_ATHENA
    sends Athena to the endpoint while AWS_ENDPOINT_URL keeps Glue, S3 and STS on moto."""
    for name, value in ep.env().items():
        monkeypatch.setenv(name, value)
    session = boto3.session.Session()
    assert session.client("athena").meta.endpoint_url == ep.url
    for service in ("glue", "s3", "sts"):
        assert session.client(service).meta.endpoint_url == ep.trino.moto.endpoint
    from pyathena import connect

    conn = connect(s3_staging_dir=ep.out, region_name="us-east-1")
    assert conn.client.meta.endpoint_url == ep.url
    assert conn.cursor().execute("select 42").fetchone() == (42,)


def test_a_select_pages_like_athena_with_the_header_row_first(ep):
    qe = ok(ep, "select n, 'v' || cast(n as varchar) as label from unnest(sequence(1, 2500)) "
                "as t(n) order by n")
    assert (qe["StatementType"], qe["SubstatementType"]) == ("DML", "SELECT")
    pages = all_pages(ep, qe["QueryExecutionId"])
    assert [len(p["ResultSet"]["Rows"]) for p in pages] == [1000, 1000, 501]
    header = pages[0]["ResultSet"]["Rows"][0]["Data"]
    assert header == [{"VarCharValue": "n"}, {"VarCharValue": "label"}]
    rows = [r for p in pages for r in p["ResultSet"]["Rows"]][1:]
    assert rows[0]["Data"] == [{"VarCharValue": "1"}, {"VarCharValue": "v1"}]
    assert rows[-1]["Data"] == [{"VarCharValue": "2500"}, {"VarCharValue": "v2500"}]
    info = pages[0]["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in info] == [("n", "bigint"), ("label", "varchar")]


def test_types_and_values_are_athenas(ep):
    qe = ok(ep, "select 1.5e10 as d, cast(0.25 as real) as r, cast(12.30 as decimal(10, 2)) as "
                "m, array['a', 'b'] as arr, map(array['k'], array[1]) as mp, "
                "cast(row(1, 'x') as row(a integer, b varchar)) as rw, "
                "timestamp '2024-01-02 03:04:05.678' as ts, date '2024-01-02' as dt, true as b, "
                "cast(null as varchar) as nul, cast(7 as bigint) as big")
    page = ep.client().get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    info = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [c["Type"] for c in info] == ["double", "float", "decimal", "array", "map", "row",
                                         "timestamp", "date", "boolean", "varchar", "bigint"]
    assert (info[2]["Precision"], info[2]["Scale"]) == (10, 2)
    values = [d.get("VarCharValue") for d in page["ResultSet"]["Rows"][1]["Data"]]
    assert values == ["1.5E10", "0.25", "12.30", "[a, b]", "{k=1}", "{a=1, b=x}",
                      "2024-01-02 03:04:05.678", "2024-01-02", "true", None, "7"]
    # PyAthena turns them back into Python values from the same metadata
    import datetime as dt
    import decimal

    got = ep.query("select 1.5e10, cast(12.30 as decimal(10, 2)), timestamp '2024-01-02 "
                   "03:04:05.678', date '2024-01-02', true, cast(null as varchar)",
                   output=ep.out)
    assert got == [[1.5e10, decimal.Decimal("12.30"), dt.datetime(2024, 1, 2, 3, 4, 5, 678000),
                    dt.date(2024, 1, 2), True, None]]


def test_result_files_are_written_where_athena_writes_them(ep):
    qe = ok(ep, "select 'a,b' as x, cast(null as varchar) as y, 'say \"hi\"' as z")
    location = qe["ResultConfiguration"]["OutputLocation"]
    assert location == f"{ep.out}{qe['QueryExecutionId']}.csv"
    assert list(csv.reader(io.StringIO(s3_text(ep, location)))) == [
        ["x", "y", "z"], ["a,b", "", 'say "hi"']]
    assert s3_text(ep, location).splitlines()[1] == '"a,b",,"say ""hi"""'
    ddl = ok(ep, f"show tables in {DB}")
    assert ddl["StatementType"] == "UTILITY"
    assert ddl["ResultConfiguration"]["OutputLocation"].endswith(".txt")
    s3_text(ep, ddl["ResultConfiguration"]["OutputLocation"])  # exists


def test_ctas_reports_its_row_count_and_a_manifest_of_the_files_it_wrote(ep):
    location = f"s3://{ep.trino.bucket}/{DB}/data/ctas_counted"
    qe = ok(ep, f"create table {DB}.ctas_counted with (external_location = '{location}', "
                "format = 'parquet', partitioned_by = ARRAY['p']) as select n, n % 3 as p "
                "from unnest(sequence(1, 30)) as t(n)")
    assert qe["SubstatementType"] == "CREATE_TABLE_AS_SELECT"
    page = ep.client().get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    assert page["UpdateCount"] == 30 and page["ResultSet"]["Rows"] == []
    manifest = s3_text(ep, qe["Statistics"]["DataManifestLocation"]).split()
    assert len(manifest) >= 3 and all(f.startswith(f"{location}/p=") for f in manifest)
    glue = ep.client("glue").get_table(DatabaseName=DB, Name="ctas_counted")["Table"]
    assert glue["StorageDescriptor"]["Location"] == location
    assert glue["TableType"] == "EXTERNAL_TABLE"
    # Athena's CTAS needs an empty location: the same one again fails as on Athena
    again = run(ep, f"create table {DB}.ctas_again with (external_location = '{location}') "
                    "as select 1 as n")
    assert again["Status"]["State"] == "FAILED"
    assert again["Status"]["StateChangeReason"].startswith("HIVE_PATH_ALREADY_EXISTS:")


def test_a_failed_query_carries_athenas_error_fields(ep):
    qe = run(ep, "selec 1")
    status = qe["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("SYNTAX_ERROR: line 1:1:")
    assert status["AthenaError"]["ErrorCategory"] == 2  # USER
    assert status["AthenaError"]["ErrorType"] == 1000
    assert status["AthenaError"]["Retryable"] is False
    missing = run(ep, "select * from no_such_table")
    assert missing["Status"]["StateChangeReason"].startswith("TABLE_NOT_FOUND:")
    with pytest.raises(ClientError) as exc:
        ep.client().get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    assert exc.value.response["Error"]["Code"] == "InvalidRequestException"


def test_more_than_100_open_partitions_fail_as_dbt_athena_expects(ep):
    """dbt-athena switches to batched inserts when the error names TOO_MANY_OPEN_PARTITIONS."""
    qe = run(ep, f"create table {DB}.many_partitions with (external_location = "
                 f"'s3://{ep.trino.bucket}/{DB}/data/many_partitions', partitioned_by = "
                 "ARRAY['p']) as select n, n as p from unnest(sequence(1, 101)) as t(n)")
    assert qe["Status"]["State"] == "FAILED"
    assert "HIVE_TOO_MANY_OPEN_PARTITIONS" in qe["Status"]["StateChangeReason"]
    ok(ep, f"create table {DB}.hundred_partitions with (external_location = "
           f"'s3://{ep.trino.bucket}/{DB}/data/hundred_partitions', partitioned_by = "
           "ARRAY['p']) as select n, n as p from unnest(sequence(1, 100)) as t(n)")


def test_queries_run_asynchronously_and_can_be_stopped(ep):
    athena = ep.client()
    qid = athena.start_query_execution(
        QueryString="select count(*) from unnest(sequence(1, 10000)) a(x) "
                    "cross join unnest(sequence(1, 10000)) b(y) "
                    "cross join unnest(sequence(1, 100)) c(z) where x * y * z % 7 = 3",
        QueryExecutionContext={"Catalog": "awsdatacatalog", "Database": DB},
        ResultConfiguration={"OutputLocation": ep.out})["QueryExecutionId"]
    state = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
    assert state["State"] in ("QUEUED", "RUNNING")
    with pytest.raises(ClientError, match="not yet finished"):
        athena.get_query_results(QueryExecutionId=qid)
    athena.stop_query_execution(QueryExecutionId=qid)
    deadline = time.monotonic() + 30
    while (qe := athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"])[
            "Status"]["State"] not in ("CANCELLED", "FAILED", "SUCCEEDED"):
        assert time.monotonic() < deadline
    assert qe["Status"]["State"] == "CANCELLED"
    batch = athena.batch_get_query_execution(QueryExecutionIds=[qid, "nope"])
    assert [q["Status"]["State"] for q in batch["QueryExecutions"]] == ["CANCELLED"]
    assert [u["QueryExecutionId"] for u in batch["UnprocessedQueryExecutionIds"]] == ["nope"]


def test_an_enforcing_workgroup_owns_the_result_location(ep):
    athena, wg = ep.client(), "endpoint-tests-enforced"
    forced = f"s3://{ep.trino.bucket}/{DB}/enforced/"
    athena.create_work_group(Name=wg, Configuration={
        "ResultConfiguration": {"OutputLocation": forced},
        "EnforceWorkGroupConfiguration": True})
    got = athena.get_work_group(WorkGroup=wg)["WorkGroup"]["Configuration"]
    assert got["EnforceWorkGroupConfiguration"] is True
    qe = ok(ep, "select 1", workgroup=wg, output=f"s3://{ep.trino.bucket}/elsewhere/")
    assert qe["ResultConfiguration"]["OutputLocation"].startswith(forced)
    # Athena's answer to dbt-athena before it learnt to check the workgroup (issue #176)
    with pytest.raises(ClientError, match="enforces a centralized output location"):
        athena.start_query_execution(
            QueryString=f"create table {DB}.wg_t with (external_location = 's3://x/y') "
                        "as select 1 as n", WorkGroup=wg,
            QueryExecutionContext={"Catalog": "awsdatacatalog", "Database": DB})
    qe = ok(ep, f"create table {DB}.wg_t as select 1 as n", workgroup=wg)
    location = ep.client("glue").get_table(DatabaseName=DB, Name="wg_t")["Table"][
        "StorageDescriptor"]["Location"]
    assert location == f"{forced}tables/{qe['QueryExecutionId']}"
    with pytest.raises(ClientError, match="is not found"):
        athena.get_work_group(WorkGroup="no-such-workgroup")


def test_hive_ddl_runs_on_glue_as_athena_does_for_seeds(ep):
    """dbt-athena's seed path: a CSV in S3, an OpenCSVSerde external table, a typed CTAS."""
    s3, glue = ep.client("s3"), ep.client("glue")
    s3.put_object(Bucket=ep.trino.bucket, Key=f"{DB}/seeds/countries/countries.csv",
                  Body=b'"code","name","n"\n"US","United States",1\n"CA","Canada",2\n')
    ok(ep, f"create external table `{DB}`.`countries_raw` (`code` string, `name` string, "
           "`n` string) row format serde 'org.apache.hadoop.hive.serde2.OpenCSVSerde' "
           f"location 's3://{ep.trino.bucket}/{DB}/seeds/countries' "
           "tblproperties ('skip.header.line.count'='1')")
    assert ep.query(f"select code, name, cast(n as integer) from {DB}.countries_raw "
                    "order by code", database=DB, output=ep.out) == [
        ["CA", "Canada", 2], ["US", "United States", 1]]
    ok(ep, f"alter table `{DB}`.`countries_raw` set tblproperties ('classification' = 'csv')")
    ok(ep, f"alter table `{DB}`.`countries_raw` add columns (`extra` string)")
    t = glue.get_table(DatabaseName=DB, Name="countries_raw")["Table"]
    assert t["Parameters"]["classification"] == "csv"
    assert t["Parameters"]["skip.header.line.count"] == "1"
    assert [c["Name"] for c in t["StorageDescriptor"]["Columns"]] == ["code", "name", "n",
                                                                     "extra"]
    qe = ok(ep, f"describe {DB}.countries_raw")
    rows = ep.client().get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    first = rows["ResultSet"]["Rows"][0]["Data"][0]["VarCharValue"]
    assert first.split("\t")[0].strip() == "code" and first.split("\t")[1].strip() == "string"
    ok(ep, f"drop table `{DB}`.`countries_raw`")
    assert s3.list_objects_v2(Bucket=ep.trino.bucket, Prefix=f"{DB}/seeds/")["KeyCount"] == 1
    failed = run(ep, f"drop table `{DB}`.`countries_raw`")
    assert "Table not found" in failed["Status"]["StateChangeReason"]
    ok(ep, f"drop table if exists `{DB}`.`countries_raw`")


def test_partitions_msck_add_and_drop(ep):
    location = f"s3://{ep.trino.bucket}/{DB}/data/parts"
    ok(ep, f"create table {DB}.parts_writer with (external_location = '{location}', "
           "partitioned_by = ARRAY['cohort']) as select * from (values (1, 'a'), (2, 'b')) "
           "as t(n, cohort)")
    ok(ep, f"create external table {DB}.parts (n int) partitioned by (cohort string) "
           f"stored as parquet location '{location}'")

    def partitions() -> list[str]:
        qe = ok(ep, f"show partitions {DB}.parts")
        page = ep.client().get_query_results(QueryExecutionId=qe["QueryExecutionId"])
        return [r["Data"][0]["VarCharValue"] for r in page["ResultSet"]["Rows"]]

    assert partitions() == []
    ok(ep, f"msck repair table {DB}.parts")
    assert partitions() == ["cohort=a", "cohort=b"]
    assert ep.query(f"select sum(n) from {DB}.parts", database=DB, output=ep.out) == [[3]]
    ok(ep, f"alter table {DB}.parts drop partition (cohort='a')")
    assert partitions() == ["cohort=b"]
    ok(ep, f"alter table {DB}.parts add partition (cohort='a') location '{location}/cohort=a'")
    ok(ep, f"alter table {DB}.parts add if not exists partition (cohort='a')")
    assert run(ep, f"alter table {DB}.parts add partition (cohort='a')")["Status"][
        "State"] == "FAILED"
    assert partitions() == ["cohort=a", "cohort=b"]


def test_a_view_keeps_its_columns_and_its_description_in_glue(ep):
    glue = ep.client("glue")
    ok(ep, f'create or replace view "awsdatacatalog"."{DB}"."v" as select 1 as "Id", '
           "cast('x' as varchar) as name")
    t = glue.get_table(DatabaseName=DB, Name="v")["Table"]
    assert [(c["Name"], c["Type"]) for c in t["StorageDescriptor"]["Columns"]] == [
        ("id", "int"), ("name", "string")]
    # what dbt-athena's persist_docs does to a view: Athena still reads it as a view
    t["Description"] = "a described view"
    t["Parameters"]["comment"] = "a described view"
    glue.update_table(DatabaseName=DB, TableInput={k: v for k, v in t.items() if k in (
        "Name", "Description", "StorageDescriptor", "PartitionKeys", "TableType", "Parameters",
        "ViewOriginalText", "ViewExpandedText")})
    assert ep.query(f"select name from {DB}.v", database=DB, output=ep.out) == [["x"]]
    # ... and Trino's reading it (moto_glue.py's shim) changed nothing in the catalog
    t = glue.get_table(DatabaseName=DB, Name="v")["Table"]
    assert (t["Description"], t["Parameters"]["comment"]) == ("a described view",) * 2


def test_catalog_and_table_metadata_apis(ep):
    athena = ep.client()
    catalog = athena.get_data_catalog(Name="awsdatacatalog")["DataCatalog"]
    assert catalog["Type"] == "GLUE"
    with pytest.raises(ClientError):
        athena.get_data_catalog(Name="other")
    ok(ep, f"create table if not exists {DB}.meta_t as select 1 as a")
    meta = athena.get_table_metadata(CatalogName="awsdatacatalog", DatabaseName=DB,
                                     TableName="meta_t")["TableMetadata"]
    assert meta["Columns"] == [{"Name": "a", "Type": "int"}]
    assert athena.get_database(CatalogName="awsdatacatalog", DatabaseName=DB)["Database"][
        "Name"] == DB
    names = [t["Name"] for t in athena.list_table_metadata(
        CatalogName="awsdatacatalog", DatabaseName=DB, Expression="meta*")["TableMetadataList"]]
    assert names == ["meta_t"]
