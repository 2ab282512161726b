"""The template's roles allow every AWS call our code makes on their behalf (moto enforces no
IAM; tests/support/iam_check.py evaluates the calls recorded in these runs against the roles'
statements, resolved for the deployed namespace). Not covered: KMS, what AWS services do on a
caller's behalf, and dbt-athena's own calls in its process (docs/deploy.md)."""

from __future__ import annotations

import json
import warnings

import boto3
import pytest
from cfnlint.decode import decode
from recover.aws import build_trigger, lambda_handler, reconcile

from tests.support import iam_check
from tests.support.deployed import ENV, ROOT
from tests.support.exports import SLEEP, WEIGHT_DELETED, ndjson, zip_bytes

pytestmark = pytest.mark.pipeline
NS = "dev"


@pytest.fixture
def namespace(deployment):
    warnings.simplefilter("ignore")
    deployment.namespace(NS)
    return deployment


def statements_of(d, role: str) -> list[dict]:
    template, problems = decode(str(ROOT / "deploy" / "template.yaml"))
    assert not problems
    queue = f"arn:aws:sqs:us-east-1:123456789012:recover-ingest-{NS}"
    attributes = {"IngestQueue.Arn": queue, "BuildLogGroup.Arn": "arn:aws:logs:x",
                  "IngestLogGroup.Arn": "arn:aws:logs:x", "BuildTriggerLogGroup.Arn": "arn:aws:logs:x",
                  "ReconcileLogGroup.Arn": "arn:aws:logs:x"}
    resolve = iam_check.Resolver(NS, ENV, d.shared, attributes)
    props = template["Resources"][role]["Properties"]
    documents = [props["PolicyDocument"]] if "PolicyDocument" in props else [
        p["PolicyDocument"] for p in props["Policies"]]
    return [resolve(s) for doc in documents for s in doc["Statement"]]


def put_export(d, key: str) -> None:
    d.client("s3").put_object(Bucket=d.shared["InputBucket"], Key=key, Body=zip_bytes({
        SLEEP: ndjson({"ParticipantIdentifier": "RK-1", "LogId": "1"}),
        WEIGHT_DELETED: ndjson({"ParticipantIdentifier": "RK-1", "HealthKitSampleKey": "k"})}))


def sqs_event(d, key: str) -> dict:
    body = json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": d.shared["InputBucket"]}, "object": {"key": key}}}]})
    return {"Records": [{"messageId": "m1", "body": body, "eventSource": "aws:sqs"}]}


def test_the_ingest_role_allows_what_the_ingest_lambda_calls(namespace, monkeypatch):
    d = namespace
    key = f"{NS}/adults_v1/2024-06-09T00:12:49Z_0b6f"
    put_export(d, key)
    monkeypatch.setattr(lambda_handler, "_SESSION", None)
    lake = f"s3://{d.shared['DataBucket']}"
    with iam_check.recorded() as calls:
        for _ in range(2):  # first ingest, then a redelivery (reads the commit record, sweeps)
            assert lambda_handler.process_event(sqs_event(d, key), lake, NS,
                                                session=boto3.Session())["batchItemFailures"] == []
    assert {c.operation for c in calls} >= {"HeadObject", "GetObject", "PutObject",
                                            "ListObjectsV2", "BatchCreatePartition"}
    assert iam_check.denied(statements_of(d, "IngestFunctionRole"), calls) == []


def test_the_trigger_role_allows_what_the_trigger_calls(namespace):
    d = namespace
    d.client("s3").put_object(Bucket=d.shared["DataBucket"], Key=f"{NS}/raw/_exports/a/e.json", Body=b"{}")
    url = d.client("sqs").get_queue_url(QueueName=f"recover-ingest-{NS}")["QueueUrl"]
    d.client("sqs").purge_queue(QueueUrl=url)
    with iam_check.recorded() as calls:
        outcome = build_trigger.trigger(boto3.Session(), f"s3://{d.shared['DataBucket']}", NS,
                                        f"recover-build-{NS}", url, build_trigger.timedelta(hours=1))
        build_trigger.trigger(boto3.Session(), f"s3://{d.shared['DataBucket']}", NS,
                              f"recover-build-{NS}", url, build_trigger.timedelta(hours=1))
    assert outcome["action"] == "start"
    assert iam_check.denied(statements_of(d, "BuildTriggerRole"), calls) == []


def test_the_reconcile_role_allows_what_the_reconcile_calls(namespace):
    d = namespace
    put_export(d, f"{NS}/adults_v1/2024-06-09T00:12:49Z_0b6f")
    url = d.client("sqs").get_queue_url(QueueName=f"recover-ingest-{NS}")["QueueUrl"]
    with iam_check.recorded() as calls:
        summary = reconcile.reconcile(d.client("s3"), d.client("sqs"), d.shared["InputBucket"],
                                      d.shared["DataBucket"], NS, url, reconcile.timedelta(0))
    assert summary["submitted"] == 1
    assert iam_check.denied(statements_of(d, "ReconcileRole"), calls) == []


def test_the_runner_role_allows_what_recover_build_calls_around_dbt(namespace, monkeypatch, tmp_path):
    """recover build --target namespace with dbt replaced: the raw partitions' repair, the
    candidates' clean-up, publishing (curated and restricted) and the run's upload."""
    from recover.build import BuildResult, core

    d = namespace
    key = f"{NS}/adults_v1/2024-06-09T00:12:49Z_0b6f"
    put_export(d, key)
    monkeypatch.setattr(lambda_handler, "_SESSION", None)
    lambda_handler.process_event(sqs_event(d, key), f"s3://{d.shared['DataBucket']}", NS,
                                 session=boto3.Session())
    glue, s3, data = d.client("glue"), d.client("s3"), d.shared["DataBucket"]

    def fake_dbt(lake, namespace, target, home, run_id, *args):
        for database, prefix in ((f"{NS}_candidate", "parquet"), (f"{NS}_restricted_candidate", "restricted")):
            location = f"s3://{data}/{NS}/{prefix}/dataset_a/{run_id}/"
            glue.create_table(DatabaseName=database, TableInput={
                "Name": "dataset_a", "PartitionKeys": [{"Name": "cohort", "Type": "string"}],
                "StorageDescriptor": {"Location": location}})
            glue.create_partition(DatabaseName=database, TableName="dataset_a", PartitionInput={
                "Values": ["adults_v1"], "StorageDescriptor": {"Location": location + "cohort=adults_v1/"}})
            s3.put_object(Bucket=data, Key=f"{NS}/{prefix}/dataset_a/{run_id}/cohort=adults_v1/0", Body=b"x")
        run_dir = home / "runs" / run_id
        run_dir.mkdir(parents=True)
        (run_dir / "dbt.out").write_text("ok\n")
        return BuildResult(ok=True, run_id=run_id, run_dir=run_dir)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(core, "_run", fake_dbt)
    # as the build project sets it (deploy/template.yaml): the run report queries Athena there
    monkeypatch.setenv("RECOVER_DBT_WORKGROUP", f"recover-{NS}-dbt")
    with iam_check.recorded() as calls:
        for run in ("r1", "r2", "r3"):  # the third expires the first's data
            assert core.build(f"s3://{data}", NS, target="namespace", run_id=run,
                              full_refresh=True).published
    assert {c.operation for c in calls} >= {"BatchUpdatePartition", "UpdateTable", "DeleteObjects",
                                            "StartQueryExecution"}
    assert iam_check.denied(statements_of(d, "RunnerRole"), calls) == []


def test_the_check_catches_a_missing_permission(namespace):
    d = namespace
    call = iam_check.Call("s3", "PutObject", {"Bucket": d.shared["DataBucket"], "Key": f"{NS}/parquet/x"})
    assert iam_check.denied(statements_of(d, "IngestFunctionRole"), [call]) == [
        f"s3:PutObject arn:aws:s3:::{d.shared['DataBucket']}/{NS}/parquet/x"]
    other = iam_check.Call("s3", "ListObjectsV2", {"Bucket": d.shared["DataBucket"], "Prefix": "dev2/raw/"})
    assert iam_check.denied(statements_of(d, "IngestFunctionRole"), [other])
