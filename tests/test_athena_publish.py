"""Publishing on Athena (recover/build/athena_publish.py), on a moto server's Glue and S3.

The candidate tables are made here as dbt-athena leaves them (a table per build folder,
partitioned by cohort); publishing must point the namespace's tables at them, keep the
previous build's data for queries in flight, expire older builds, and never touch raw data.
"""

from __future__ import annotations

import json

import boto3
import pytest
from recover.build import athena_publish

from tests.conftest import DATA

NS = "dev"
COHORTS = ("adults_v1", "pediatric_v1")


def storage(location: str) -> dict:
    return {"Columns": [{"Name": "x", "Type": "bigint", "Comment": "an x"}], "Location": location,
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary":
                          "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}


def candidate_build(glue, s3, run_id: str, tables=("dataset_a", "record_counts"), cohorts=COHORTS):
    """What `dbt build --target namespace` leaves: candidate tables over this run's folders."""
    try:
        glue.create_database(DatabaseInput={"Name": f"{NS}_candidate"})
    except glue.exceptions.AlreadyExistsException:
        pass
    for table in tables:
        location = f"s3://{DATA}/{NS}/parquet/{table}/{run_id}/"
        glue.create_table(DatabaseName=f"{NS}_candidate", TableInput={
            "Name": table, "Description": f"{table} of {run_id}", "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": storage(location),
            "PartitionKeys": [{"Name": "cohort", "Type": "string"}]})
        for cohort in cohorts:
            key = f"{NS}/parquet/{table}/{run_id}/cohort={cohort}/part-0.parquet"
            s3.put_object(Bucket=DATA, Key=key, Body=run_id.encode())
            glue.create_partition(DatabaseName=f"{NS}_candidate", TableName=table, PartitionInput={
                "Values": [cohort], "StorageDescriptor": storage(f"{location}cohort={cohort}/")})


def partitions(glue, table: str) -> dict[str, str]:
    parts = glue.get_partitions(DatabaseName=NS, TableName=table)["Partitions"]
    return {p["Values"][0]: p["StorageDescriptor"]["Location"] for p in parts}


@pytest.fixture
def clients(s3, glue):
    return glue, s3


def test_a_first_publish_creates_the_tables_with_the_candidates_definitions(clients):
    glue, s3 = clients
    candidate_build(glue, s3, "run1")
    result = athena_publish.publish(boto3.Session(), DATA, NS, "run1")
    assert sorted(result.tables) == ["dataset_a", "record_counts"]
    table = glue.get_table(DatabaseName=NS, Name="dataset_a")["Table"]
    assert table["StorageDescriptor"]["Location"] == f"s3://{DATA}/{NS}/parquet/dataset_a/run1/"
    assert table["Description"] == "dataset_a of run1"
    assert table["StorageDescriptor"]["Columns"][0]["Comment"] == "an x"
    assert partitions(glue, "dataset_a") == {
        c: f"s3://{DATA}/{NS}/parquet/dataset_a/run1/cohort={c}/" for c in COHORTS}
    assert glue.get_tables(DatabaseName=f"{NS}_candidate")["TableList"] == []  # catalog only
    assert s3.get_object(Bucket=DATA, Key=f"{NS}/parquet/dataset_a/run1/cohort=adults_v1/part-0.parquet")


def test_publishing_updates_partitions_in_place_adds_new_cohorts_and_drops_gone_ones(clients):
    glue, s3 = clients
    candidate_build(glue, s3, "run1", cohorts=("adults_v1", "old_v0"))
    athena_publish.publish(boto3.Session(), DATA, NS, "run1")
    candidate_build(glue, s3, "run2", cohorts=("adults_v1", "pediatric_v1"))
    athena_publish.publish(boto3.Session(), DATA, NS, "run2")
    assert partitions(glue, "dataset_a") == {
        c: f"s3://{DATA}/{NS}/parquet/dataset_a/run2/cohort={c}/" for c in ("adults_v1", "pediatric_v1")}


def test_the_manifest_names_the_run_and_every_tables_data_for_outside_readers(clients):
    glue, s3 = clients
    candidate_build(glue, s3, "run1")
    athena_publish.publish(boto3.Session(), DATA, NS, "run1")
    candidate_build(glue, s3, "run2")
    athena_publish.publish(boto3.Session(), DATA, NS, "run2")
    manifest = json.loads(s3.get_object(Bucket=DATA, Key=f"{NS}/parquet/_published.json")["Body"].read())
    assert (manifest["run_id"], manifest["previous_run_id"]) == ("run2", "run1")
    assert manifest["tables"]["dataset_a"] == f"s3://{DATA}/{NS}/parquet/dataset_a/run2/"


def test_older_builds_expire_keeping_the_previous_one_and_the_raw_zone_is_untouched(clients):
    glue, s3 = clients
    s3.put_object(Bucket=DATA, Key=f"{NS}/raw/dataset=X/cohort=c/export=e/x.ndjson.gz", Body=b"raw")
    for run in ("run1", "run2", "run3"):
        candidate_build(glue, s3, run)
        result = athena_publish.publish(boto3.Session(), DATA, NS, run)
    assert sorted(result.expired) == [f"s3://{DATA}/{NS}/parquet/{t}/run1/"
                                      for t in ("dataset_a", "record_counts")]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=DATA)["Contents"]]
    runs = {k.split("/")[3] for k in keys if "/parquet/dataset_a/" in k}
    assert runs == {"run2", "run3"}
    assert f"{NS}/raw/dataset=X/cohort=c/export=e/x.ndjson.gz" in keys


def test_leftover_candidates_are_removed_from_the_catalog_but_their_data_stays(clients):
    glue, s3 = clients
    candidate_build(glue, s3, "run1")
    assert athena_publish.clear_candidates(boto3.Session(), NS) == ["dataset_a", "record_counts"]
    assert glue.get_tables(DatabaseName=f"{NS}_candidate")["TableList"] == []
    assert s3.get_object(Bucket=DATA, Key=f"{NS}/parquet/dataset_a/run1/cohort=adults_v1/part-0.parquet")


def test_the_restricted_schema_is_published_into_its_own_database(clients):
    glue, s3 = clients
    candidate_build(glue, s3, "run1")
    glue.create_database(DatabaseInput={"Name": f"{NS}_restricted_candidate"})
    location = f"s3://{DATA}/{NS}/restricted/dataset_a/run1/"
    glue.create_table(DatabaseName=f"{NS}_restricted_candidate", TableInput={
        "Name": "dataset_a", "TableType": "EXTERNAL_TABLE", "StorageDescriptor": storage(location),
        "PartitionKeys": [{"Name": "cohort", "Type": "string"}]})
    result = athena_publish.publish(boto3.Session(), DATA, NS, "run1")
    assert result.tables[f"{NS}_restricted.dataset_a"] == location
    table = glue.get_table(DatabaseName=f"{NS}_restricted", Name="dataset_a")["Table"]
    assert table["StorageDescriptor"]["Location"] == location
    assert glue.get_tables(DatabaseName=f"{NS}_restricted_candidate")["TableList"] == []
