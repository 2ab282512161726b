"""The build trigger: its decision (a pure function, every case) and, on the moto server, the
starts it makes against the namespace's build project (moto's CodeBuild reports every build it
is asked about as finished, so "running" is covered by the decision tests only)."""

from __future__ import annotations

import json
import time
import warnings
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from recover.aws import build_trigger
from recover.aws.build_trigger import Decision, State, decide

pytestmark = pytest.mark.pipeline
NS = "dev"
T0 = datetime(2026, 1, 4, 12, 0, tzinfo=UTC)
WAIT = timedelta(minutes=60)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(("state", "now", "expected"), [
    (State((), None, None, 0), at(0), Decision("none", "idle")),  # a namespace without exports
    (State((at(0),), None, None, 0), at(1), Decision("start", "pending", at(0))),  # first export
    (State((at(0),), at(1), None, 0), at(2), Decision("none", "idle")),  # built since
    (State((at(0), at(5)), at(1), None, 0), at(6), Decision("start", "pending", at(5))),
    (State((at(5),), at(1), "b-1", 0), at(6), Decision("none", "running", at(5))),  # pending
    (State((at(0),), None, None, 1), at(1), Decision("none", "waiting-for-ingest", at(0))),
    (State((at(0),), None, None, 3), at(61), Decision("start", "waited-long-enough", at(0))),
    (State((at(0),), at(1), None, 3), at(2), Decision("none", "idle")),  # busy ingest, nothing new
])
def test_the_decision(state, now, expected):
    assert decide(state, now, WAIT) == expected


def test_one_running_and_one_pending_at_most():
    """However many commits arrive while a build runs, the decision is one more build, once."""
    running = State(tuple(at(m) for m in range(2, 30)), at(1), "b-1", 0)
    assert decide(running, at(30), WAIT).action == "none"
    finished = State(running.changes, at(1), None, 0)
    assert decide(finished, at(31), WAIT) == Decision("start", "pending", at(2))
    started = State(running.changes, at(31), None, 0)
    assert decide(started, at(32), WAIT) == Decision("none", "idle")


@pytest.fixture
def namespace(deployment):
    warnings.simplefilter("ignore")
    deployment.namespace(NS)
    return deployment


def trigger(d) -> dict:
    url = d.client("sqs").get_queue_url(QueueName=f"recover-ingest-{NS}")["QueueUrl"]
    return build_trigger.trigger(boto3.Session(), f"s3://{d.shared['DataBucket']}", NS,
                                 f"recover-build-{NS}", url, WAIT)


def builds(d) -> list[str]:
    return d.client("codebuild").list_builds_for_project(projectName=f"recover-build-{NS}")["ids"]


def commit(d, cohort: str, export: str) -> None:
    time.sleep(1.1)  # S3 times have one-second resolution; keep the steps apart
    d.client("s3").put_object(Bucket=d.shared["DataBucket"],
                              Key=f"{NS}/raw/_exports/{cohort}/{export}.json", Body=b"{}")
    time.sleep(1.1)


def purge(d) -> None:
    url = d.client("sqs").get_queue_url(QueueName=f"recover-ingest-{NS}")["QueueUrl"]
    d.client("sqs").purge_queue(QueueUrl=url)


def test_a_commit_starts_one_build_and_a_later_one_the_next(namespace):
    purge(namespace)
    assert trigger(namespace)["reason"] == "idle" and builds(namespace) == []
    commit(namespace, "adults_v1", "e1")
    started = trigger(namespace)
    assert (started["action"], started["reason"]) == ("start", "pending")
    assert builds(namespace) == [started["build"]]
    time.sleep(1.1)
    assert trigger(namespace)["reason"] == "idle"  # that build covers the commit
    commit(namespace, "adults_v1", "e2")
    assert trigger(namespace)["action"] == "start"
    assert len(builds(namespace)) == 2


def test_exports_delivered_together_give_one_build(namespace):
    """Two cohorts' exports in the ingest queue: the first commit waits for the second."""
    purge(namespace)
    sqs = namespace.client("sqs")
    url = sqs.get_queue_url(QueueName=f"recover-ingest-{NS}")["QueueUrl"]
    for cohort in ("adults_v1", "pediatric_v1"):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"export": cohort}))
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    commit(namespace, "adults_v1", "e1")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    assert trigger(namespace)["reason"] == "waiting-for-ingest"
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    commit(namespace, "pediatric_v1", "e1")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])
    assert trigger(namespace)["action"] == "start"
    time.sleep(1.1)
    assert trigger(namespace)["reason"] == "idle"
    assert len(builds(namespace)) == 1


def test_a_build_request_starts_a_build_of_a_namespace_with_exports(namespace):
    from recover.aws.deploy import request_build

    purge(namespace)
    commit(namespace, "adults_v1", "e1")
    trigger(namespace)
    time.sleep(1.1)
    request_build(namespace.client("s3"), namespace.shared["DataBucket"], NS, "test")
    time.sleep(1.1)
    assert trigger(namespace)["action"] == "start"
    assert len(builds(namespace)) == 2


def test_the_handler_reads_its_configuration_and_logs_one_line(namespace, monkeypatch, capsys):
    purge(namespace)
    url = namespace.client("sqs").get_queue_url(QueueName=f"recover-ingest-{NS}")["QueueUrl"]
    for name, value in {"RECOVER_LAKE": f"s3://{namespace.shared['DataBucket']}",
                        "RECOVER_NAMESPACE": NS, "RECOVER_BUILD_PROJECT": f"recover-build-{NS}",
                        "RECOVER_INGEST_QUEUE_URL": url}.items():
        monkeypatch.setenv(name, value)
    event = {"detail-type": "Object Created",
             "detail": {"object": {"key": f"{NS}/raw/_exports/adults_v1/e1.json"}}}
    assert build_trigger.handler(event, None)["reason"] == "idle"
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["outcome"] == "build-none" and line["event"].startswith("object dev/raw/_exports/")
    monkeypatch.delenv("RECOVER_BUILD_PROJECT")
    with pytest.raises(RuntimeError, match="RECOVER_BUILD_PROJECT"):
        build_trigger.handler({}, None)
