"""One export through the deployed namespace on the moto server, by the real path: the upload's
S3 event through EventBridge (the namespace's rule) to its SQS queue, the message to the ingest
Lambda's handler (configured as the deployed function is), the commit record, its event through
the namespace's commit rule to the build trigger (configured as deployed), the build started on
the namespace's build project; then the runner's entry point (deploy/runner.sh, with the build
project's environment).

Not emulated: moto cannot invoke Lambda functions (no container runtime here), so the test
carries each message from the queue to the handler as the event source mapping would, and points
the commit rule (its pattern unchanged) at a queue to carry its event to the trigger; moto's CodeBuild records builds but
runs nothing, so the runner's entry point is run here. Its real run, `recover build` on the
Athena endpoint of the test suite up to the published curated tables and the run folder in the
data bucket, is the first build of tests/test_athena_build.py (it runs deploy/runner.sh).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml
from recover.aws import build_trigger, lambda_handler

from tests.support.exports import SLEEP, WEIGHT, ndjson, zip_bytes

pytestmark = pytest.mark.pipeline
ROOT = Path(__file__).resolve().parents[1]
NS = "dev"
EXPORT = f"{NS}/adults_v1/2024-06-09T00:12:49Z_0b6f"


def function_env(d, name: str) -> dict[str, str]:
    return d.client("lambda").get_function_configuration(FunctionName=name)["Environment"]["Variables"]


def sqs_event(messages: list[dict]) -> dict:
    """What the event source mapping hands the function for these messages."""
    return {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"],
                         "body": m["Body"], "attributes": m.get("Attributes", {}),
                         "eventSource": "aws:sqs", "awsRegion": "us-east-1"} for m in messages]}


def redirect_rule(d, rule: str) -> str:
    """Point the deployed `rule` (its pattern unchanged) at a queue instead of its Lambda
    target, which moto cannot invoke; return the queue."""
    url = d.client("sqs").create_queue(QueueName=f"to-{rule}")["QueueUrl"]
    arn = d.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    events = d.client("events")
    ids = [t["Id"] for t in events.list_targets_by_rule(Rule=rule)["Targets"]]
    events.remove_targets(Rule=rule, Ids=ids)
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": arn}])
    return url


def receive(d, url: str) -> list[dict]:
    return d.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           AttributeNames=["All"]).get("Messages", [])


@pytest.fixture
def started(deployment, monkeypatch):
    """The whole path up to the build's start; returns what each step left."""
    warnings.simplefilter("ignore")
    deployment.namespace(NS)
    d, s3 = deployment, deployment.client("s3")
    spy = redirect_rule(d, f"recover-{NS}-commits")
    queue = d.client("sqs").get_queue_url(QueueName=f"recover-ingest-{NS}")["QueueUrl"]
    body = zip_bytes({SLEEP: ndjson({"ParticipantIdentifier": "RK-1", "LogId": "1"}),
                      WEIGHT: ndjson({"ParticipantIdentifier": "RK-1", "HealthKitSampleKey": "k1",
                                      "Value": "70.5"})})
    s3.put_object(Bucket=d.shared["InputBucket"], Key=EXPORT, Body=body)

    (message,) = receive(d, queue)  # S3 -> EventBridge -> the namespace's rule -> its queue
    monkeypatch.setattr(lambda_handler, "_SESSION", None)
    for name, value in function_env(d, f"recover-ingest-{NS}").items():
        monkeypatch.setenv(name, value)
    response = lambda_handler.handler(sqs_event([message]), None)
    d.client("sqs").delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])

    (commit_event,) = receive(d, spy)  # the commit record's event, as the commit rule matches it
    for name, value in function_env(d, f"recover-build-trigger-{NS}").items():
        monkeypatch.setenv(name, value)
    decision = build_trigger.handler(json.loads(commit_event["Body"]), None)
    return {"message": message, "response": response, "commit_event": json.loads(commit_event["Body"]),
            "decision": decision, "deployment": d}


def test_an_export_flows_from_the_input_bucket_to_a_started_build(started):
    d, data = started["deployment"], started["deployment"].shared["DataBucket"]
    body = json.loads(started["message"]["Body"])
    assert (body["source"], body["detail"]["object"]["key"]) == ("aws.s3", EXPORT)
    assert started["response"] == {"batchItemFailures": []}
    keys = [o["Key"] for o in d.client("s3").list_objects_v2(Bucket=data, Prefix=f"{NS}/raw/")["Contents"]]
    assert f"{NS}/raw/_exports/adults_v1/2024-06-09T00-12-49Z_0b6f.json" in keys
    assert sum("/dataset=" in k for k in keys) == 2
    partitions = d.client("glue").get_partitions(DatabaseName=f"{NS}_raw", TableName="fitbitsleeplogs")
    assert [p["Values"] for p in partitions["Partitions"]] == [["adults_v1", "2024-06-09T00-12-49Z_0b6f"]]
    assert started["commit_event"]["detail"]["object"]["key"].startswith(f"{NS}/raw/_exports/")
    assert (started["decision"]["action"], started["decision"]["reason"]) == ("start", "pending")
    builds = d.client("codebuild").list_builds_for_project(projectName=f"recover-build-{NS}")["ids"]
    assert builds == [started["decision"]["build"]]


def test_the_runner_entry_point_runs_recover_build_with_the_build_projects_environment(tmp_path):
    """deploy/runner.sh, with a `recover` that records how it was called."""
    template = yaml.load((ROOT / "deploy" / "template.yaml").read_text(), Loader=_Loader)
    variables = template["Resources"]["BuildProject"]["Properties"]["Environment"]["EnvironmentVariables"]
    assert [v["Name"] for v in variables] == ["RECOVER_NAMESPACE", "RECOVER_LAKE", "RECOVER_TARGET",
                                              "RECOVER_DBT_WORKGROUP"]
    fake = tmp_path / "recover"
    fake.write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                    "print(json.dumps({'argv': sys.argv[1:], 'workgroup': os.environ['RECOVER_DBT_WORKGROUP'],"
                    " 'cwd': os.getcwd()}))\n")
    fake.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "RECOVER_BIN": str(fake), "RECOVER_NAMESPACE": NS,
           "RECOVER_LAKE": "s3://data-bucket", "RECOVER_TARGET": "namespace"}
    proc = subprocess.run(["bash", str(ROOT / "deploy" / "runner.sh")], env=env, capture_output=True,
                          text=True, check=True)
    called = json.loads(proc.stdout)
    assert called["argv"] == ["build", "--lake", "s3://data-bucket", "--namespace", NS,
                              "--target", "namespace"]
    assert called["workgroup"] == f"recover-{NS}-dbt" and Path(called["cwd"]) == ROOT
    del env["RECOVER_LAKE"]
    proc = subprocess.run(["bash", str(ROOT / "deploy" / "runner.sh")], env=env, capture_output=True,
                          text=True, check=False)
    assert proc.returncode != 0 and "RECOVER_LAKE" in proc.stderr


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags read as plain values."""


def _intrinsic(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_Loader.add_multi_constructor("!", _intrinsic)
