"""`recover backfill` and the scheduled reconcile on the moto server: exactly the exports that are
not committed in the raw zone are submitted, through the namespace's ingest queue, once."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import boto3
import pytest
from recover.aws import backfill, lambda_handler, reconcile, s3_events

from tests.support.deployed import ENV
from tests.support.exports import SLEEP, ndjson, zip_bytes

pytestmark = pytest.mark.pipeline
NS = "dev"
EXPORTS = {  # key below the namespace -> committed?
    "adults_v1/2024-06-02T00:10:00Z_a": True,
    "adults_v1/2024-06-09T00:12:49Z_b": False,
    "pediatric_v1/2024-06-09T00:13:00Z_c": False,
    "pediatric_v1/2024-05-26T00:13:00Z_d": True,
}


@pytest.fixture
def namespace(deployment):
    warnings.simplefilter("ignore")
    deployment.namespace(NS)
    s3 = deployment.client("s3")
    body = zip_bytes({SLEEP: ndjson({"ParticipantIdentifier": "RK-1", "LogId": "1"})})
    for rest, committed in EXPORTS.items():
        cohort, name = rest.split("/")
        s3.put_object(Bucket=deployment.shared["InputBucket"], Key=f"{NS}/{rest}", Body=body)
        if committed:
            s3.put_object(Bucket=deployment.shared["DataBucket"],
                          Key=f"{NS}/raw/_exports/{cohort}/{name.replace(':', '-')}.json", Body=b"{}")
    for not_an_export in (f"{NS}/adults_v1/owner.txt", f"{NS}/adults_v1/", f"{NS}/stray"):
        s3.put_object(Bucket=deployment.shared["InputBucket"], Key=not_an_export, Body=b"")
    return deployment


def queue_url(d) -> str:
    return d.client("sqs").get_queue_url(QueueName=f"recover-ingest-{NS}")["QueueUrl"]


def drain(d) -> list[dict]:
    """Every message in the ingest queue (removed), as the Lambda would receive them."""
    sqs, url, found = d.client("sqs"), queue_url(d), []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                    AttributeNames=["All"]).get("Messages", [])
        if not batch:
            return found
        for m in batch:
            found.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def announced(messages: list[dict]) -> list[str]:
    """The export keys the messages announce, as the ingest Lambda parses them."""
    records = [{"messageId": m["MessageId"], "body": m["Body"], "eventSource": "aws:sqs"}
               for m in messages]
    return sorted(o.key for msg in s3_events.messages({"Records": records}) for o in msg.objects)


def input_uri(d) -> str:
    return f"s3://{d.shared['InputBucket']}/{NS}/"


def test_backfill_submits_exactly_the_exports_missing_from_the_raw_zone(namespace, cli):
    drain(namespace)  # the uploads' own notifications (EventBridge -> queue) are not the point
    code, out, err = cli("backfill", input_uri(namespace), "--environment", ENV)
    assert code == 0, err
    assert announced(drain(namespace)) == [f"{NS}/adults_v1/2024-06-09T00:12:49Z_b",
                                           f"{NS}/pediatric_v1/2024-06-09T00:13:00Z_c"]
    assert "4 export(s)" in out and "2 committed, 2 submitted" in out
    assert out.count("not an export") == 3  # owner.txt, the folder marker, a key of depth 2


def test_a_dry_run_lists_and_sends_nothing(namespace, cli):
    drain(namespace)
    code, out, _ = cli("backfill", input_uri(namespace), "--environment", ENV, "--dry-run")
    assert code == 0 and out.count("would submit") == 2 and "2 to submit (dry run)" in out
    assert drain(namespace) == []


def test_cohort_and_since_narrow_the_backfill(namespace, cli):
    drain(namespace)
    code, _, _ = cli("backfill", input_uri(namespace), "--environment", ENV,
                     "--cohort", "pediatric_v1", "--since", "2024-06-01")
    assert code == 0
    assert announced(drain(namespace)) == [f"{NS}/pediatric_v1/2024-06-09T00:13:00Z_c"]
    cli("backfill", input_uri(namespace), "--environment", ENV, "--since", "2024-06-09T00:13:00")
    assert announced(drain(namespace)) == [f"{NS}/pediatric_v1/2024-06-09T00:13:00Z_c"]


def test_a_submission_goes_the_normal_path_and_the_next_backfill_finds_nothing(namespace, cli,
                                                                                monkeypatch):
    drain(namespace)
    cli("backfill", input_uri(namespace), "--environment", ENV)
    messages = drain(namespace)
    monkeypatch.setattr(lambda_handler, "_SESSION", None)
    event = {"Records": [{"messageId": m["MessageId"], "receiptHandle": "r", "body": m["Body"],
                          "eventSource": "aws:sqs"} for m in messages]}
    lake = f"s3://{namespace.shared['DataBucket']}"
    assert lambda_handler.process_event(event, lake, NS, session=boto3.Session()) == {
        "batchItemFailures": []}
    code, out, _ = cli("backfill", input_uri(namespace), "--environment", ENV)
    assert code == 0 and "4 committed, 0 submitted" in out
    assert drain(namespace) == []
    body = json.loads(messages[0]["Body"])["Records"][0]
    assert body["eventName"] == "ObjectCreated:Backfill"
    assert unquote_plus(body["s3"]["object"]["key"]).startswith(f"{NS}/")


def test_the_reconcile_submits_what_is_missing_but_leaves_young_exports_alone(namespace, capsys):
    drain(namespace)
    s3, sqs = namespace.client("s3"), namespace.client("sqs")
    args = (s3, sqs, namespace.shared["InputBucket"], namespace.shared["DataBucket"], NS,
            queue_url(namespace))
    summary = reconcile.reconcile(*args, min_age=timedelta(hours=1))
    assert summary["submitted"] == 0 and summary["young"] == 2  # just uploaded
    assert drain(namespace) == []
    found = backfill.find_missing(s3, namespace.shared["InputBucket"], namespace.shared["DataBucket"],
                                  NS, min_age=timedelta(hours=1),
                                  now=datetime.now(UTC) + timedelta(hours=2))
    assert [e.name for e in found.missing] == ["2024-06-09T00:12:49Z_b", "2024-06-09T00:13:00Z_c"]
    summary = reconcile.reconcile(*args, min_age=timedelta(0))
    assert summary == {"namespace": NS, "exports": 4, "committed": 2, "submitted": 2, "young": 0,
                       "not_exports": 3}
    assert len(drain(namespace)) == 2
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["outcome"] for line in logged][-3:] == ["submitted", "submitted", "reconciled"]


def test_the_reconcile_handler_reads_its_configuration(namespace, monkeypatch):
    drain(namespace)
    monkeypatch.setenv("RECOVER_INPUT", f"s3://{namespace.shared['InputBucket']}")
    monkeypatch.setenv("RECOVER_LAKE", f"s3://{namespace.shared['DataBucket']}")
    monkeypatch.setenv("RECOVER_NAMESPACE", NS)
    monkeypatch.setenv("RECOVER_INGEST_QUEUE_URL", queue_url(namespace))
    monkeypatch.setenv("RECOVER_RECONCILE_MIN_AGE_MINUTES", "0")
    assert reconcile.handler({"detail-type": "Scheduled Event"}, None)["submitted"] == 2
    monkeypatch.delenv("RECOVER_INGEST_QUEUE_URL")
    with pytest.raises(RuntimeError, match="RECOVER_INGEST_QUEUE_URL"):
        reconcile.handler({}, None)


def test_backfill_arguments_are_checked_before_anything_runs(cli):
    for args in (["s3://input/"], ["s3://input/dev/adults_v1/"], ["s3://input/dev/", "--since", "June"],
                 ["s3://input/Dev/"], ["not-s3"]):
        code, _, err = cli("backfill", *args)
        assert code == 2 and err.count("\n") == 1, (args, err)


def test_an_export_date_is_its_name_timestamp_else_its_upload_time():
    uploaded = datetime(2025, 1, 1, tzinfo=UTC)
    assert backfill.export_date("2024-06-09T00:12:49Z_0b6f", uploaded) == datetime(
        2024, 6, 9, 0, 12, 49, tzinfo=UTC)
    assert backfill.export_date("export-without-date", uploaded) == uploaded
