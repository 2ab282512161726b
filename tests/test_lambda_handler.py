"""The ingest Lambda: real-shaped SQS / SNS / EventBridge events against a moto server."""

import gzip
import json
from urllib.parse import quote_plus

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from recover.aws import lambda_handler, s3_events
from recover.aws.s3_sink import PART_SIZE

from tests.conftest import DATA, INPUT
from tests.support.exports import SLEEP, WEIGHT_DELETED, ndjson, noise_lines, zip_bytes

NS = "dev"
LAKE = f"s3://{DATA}"
EXPORT_KEY = f"{NS}/adults_v1/2024-06-09T00:12:49Z_0b6f"

SLEEP_DATA = ndjson({"ParticipantIdentifier": "RK-1", "LogId": "1"})
WEIGHT_DELETED_DATA = ndjson({"ParticipantIdentifier": "RK-1", "HealthKitSampleKey": "k1"})
MEMBERS = {SLEEP: SLEEP_DATA, WEIGHT_DELETED: WEIGHT_DELETED_DATA,
           "FitbitEcg_20230112-20230114.json": b"", "Manifest.csv": b"ExportEndDate\n"}
EXPORT_ID = "2024-06-09T00-12-49Z_0b6f"  # the export's id in the lake
SLEEP_RAW = ("dataset=FitbitSleepLogs/cohort={cohort}/export={export}/"
             "FitbitSleepLogs_20230112-20230114.ndjson.gz")
DELETED_RAW = ("dataset=HealthKitV2Samples_Deleted/cohort={cohort}/export={export}/"
               "HealthKitV2Samples_Weight_Deleted_20230112-20230114.ndjson.gz")


# -- real-shaped events -------------------------------------------------------------------------


def s3_notification(key: str, bucket: str = INPUT, event: str = "ObjectCreated:Put") -> dict:
    """What S3 sends to SQS/SNS: the key URL-encoded (`+` for space, `%3A` for `:`)."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2024-06-09T00:13:02.115Z", "eventName": event,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "10.0.0.1"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "dev-input-to-ingest",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                          "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": quote_plus(key, safe="/"), "size": 1024,
                          "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0055AED6DCD90281E5"}},
    }]}


def sns_envelope(message: dict) -> dict:
    return {"Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:dev-input", "Subject": "Amazon S3 Notification",
            "Message": json.dumps(message), "Timestamp": "2024-06-09T00:13:02.210Z",
            "SignatureVersion": "1", "Signature": "EXAMPLE", "SigningCertURL": "https://example/cert.pem",
            "UnsubscribeURL": "https://example/unsubscribe"}


def eventbridge(key: str, bucket: str = INPUT, detail_type: str = "Object Created") -> dict:
    return {"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": detail_type,
            "source": "aws.s3", "account": "123456789012", "time": "2024-06-09T00:13:02Z",
            "region": "us-east-1", "resources": [f"arn:aws:s3:::{bucket}"],
            "detail": {"version": "0", "bucket": {"name": bucket},
                       "object": {"key": key, "size": 1024, "etag": "b1946ac92492d2347c6235b4d2611184",
                                  "sequencer": "00617F08299329D189"},
                       "request-id": "N4N7GDK58NMKJ12R", "requester": "123456789012",
                       "source-ip-address": "10.0.0.1", "reason": "PutObject"}}


TEST_EVENT = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2024-06-09T00:00:00.000Z",
              "Bucket": INPUT, "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}


def sqs(*bodies: dict) -> dict:
    return {"Records": [{
        "messageId": f"msg-{i}", "receiptHandle": f"AQEB{i}", "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1717891982000",
                       "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1717891982010"},
        "messageAttributes": {}, "md5OfBody": "0" * 32, "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:dev-input", "awsRegion": "us-east-1",
    } for i, body in enumerate(bodies)]}


# -- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def function_env(monkeypatch):
    """The Lambda's configuration, and a fresh warm-container session per test."""
    monkeypatch.setenv("RECOVER_LAKE", LAKE)
    monkeypatch.setenv("RECOVER_NAMESPACE", NS)
    monkeypatch.setattr(lambda_handler, "_SESSION", None)


def put_export(s3, key: str = EXPORT_KEY, members: dict[str, bytes] | None = None, **kw) -> str:
    s3.put_object(Bucket=INPUT, Key=key, Body=zip_bytes(MEMBERS if members is None else members, **kw))
    return key


def raw_objects(s3) -> dict[str, bytes]:
    """The raw data objects (commit records aside)."""
    listed = s3.list_objects_v2(Bucket=DATA).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=DATA, Key=o["Key"])["Body"].read() for o in listed
            if "/raw/_exports/" not in o["Key"]}


def etags(s3) -> dict[str, str]:
    return {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket=DATA).get("Contents", [])}


def partitions(glue, table: str) -> list[list[str]]:
    return sorted(p["Values"] for p in glue.get_partitions(DatabaseName="dev_raw", TableName=table)["Partitions"])


def databases(glue) -> list[str]:
    return [d["Name"] for d in glue.get_databases()["DatabaseList"]]


def log_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def assert_landed(s3, cohort: str = "adults_v1", export: str = EXPORT_ID) -> None:
    """Exactly the two admitted members landed, and they gunzip to the members' bytes."""
    sleep_key = f"{NS}/raw/{SLEEP_RAW.format(cohort=cohort, export=export)}"
    deleted_key = f"{NS}/raw/{DELETED_RAW.format(cohort=cohort, export=export)}"
    objects = raw_objects(s3)
    assert sorted(objects) == sorted([sleep_key, deleted_key])
    assert gzip.decompress(objects[sleep_key]) == SLEEP_DATA
    assert gzip.decompress(objects[deleted_key]) == WEIGHT_DELETED_DATA


def no_open_uploads(s3) -> bool:
    return s3.list_multipart_uploads(Bucket=DATA).get("Uploads", []) == []


# -- event shapes -------------------------------------------------------------------------------


def test_sqs_message_with_an_s3_notification_lands_the_export_and_registers_it(s3, glue):
    put_export(s3)
    assert lambda_handler.handler(sqs(s3_notification(EXPORT_KEY)), None) == {"batchItemFailures": []}
    assert_landed(s3)
    assert partitions(glue, "fitbitsleeplogs") == [["adults_v1", EXPORT_ID]]
    assert partitions(glue, "healthkitv2samples_deleted") == [["adults_v1", EXPORT_ID]]
    assert partitions(glue, "fitbitecg") == []  # zero-byte member


def test_sns_wrapped_notification_is_unwrapped(s3):
    put_export(s3)
    assert lambda_handler.handler(sqs(sns_envelope(s3_notification(EXPORT_KEY))), None) == {
        "batchItemFailures": []}
    assert_landed(s3)


def test_eventbridge_object_created_invoking_directly(s3):
    put_export(s3)
    assert lambda_handler.handler(eventbridge(EXPORT_KEY), None) == {"batchItemFailures": []}
    assert_landed(s3)


def test_eventbridge_object_created_through_sqs(s3):
    put_export(s3)
    assert lambda_handler.handler(sqs(eventbridge(EXPORT_KEY)), None) == {"batchItemFailures": []}
    assert_landed(s3)


def test_notification_keys_are_url_decoded(s3):
    key = f"{NS}/adults_v1/2024-06-09T00:12:49Z_my export"
    put_export(s3, key)
    event = sqs(s3_notification(key))
    encoded = json.loads(event["Records"][0]["body"])["Records"][0]["s3"]["object"]["key"]
    assert encoded == "dev/adults_v1/2024-06-09T00%3A12%3A49Z_my+export"
    assert lambda_handler.handler(event, None) == {"batchItemFailures": []}
    assert_landed(s3, export="2024-06-09T00-12-49Z_my-export")


def test_cohort_is_the_second_component_of_the_key(s3, glue):
    put_export(s3, f"{NS}/pediatric_v1/2024-06-09T00:12:49Z_0b6f")
    lambda_handler.handler(sqs(s3_notification(f"{NS}/pediatric_v1/2024-06-09T00:12:49Z_0b6f")), None)
    assert_landed(s3, cohort="pediatric_v1")
    assert partitions(glue, "fitbitsleeplogs") == [["pediatric_v1", EXPORT_ID]]


def test_owner_txt_folder_markers_and_the_test_event_are_ignored_not_the_rest_of_the_batch(s3, capsys):
    put_export(s3)
    event = sqs(sns_envelope(TEST_EVENT), TEST_EVENT, s3_notification(f"{NS}/adults_v1/owner.txt"),
                s3_notification(f"{NS}/adults_v1/"), s3_notification(EXPORT_KEY))
    assert lambda_handler.handler(event, None) == {"batchItemFailures": []}
    assert_landed(s3)
    ignored = [(line["message_id"], line["reason"]) for line in log_lines(capsys) if line["outcome"] == "ignored"]
    assert ignored == [("msg-0", "s3:TestEvent"), ("msg-1", "s3:TestEvent"), ("msg-2", "owner.txt"),
                       ("msg-3", "folder marker")]


# -- failures and retries -----------------------------------------------------------------------


def test_a_corrupt_export_fails_only_its_message_and_leaves_nothing_behind(s3, glue):
    put_export(s3)
    whole = zip_bytes(MEMBERS)
    bad_key = f"{NS}/pediatric_v1/2024-06-16T00:10:00Z_bad"
    s3.put_object(Bucket=INPUT, Key=bad_key, Body=whole[: len(whole) // 2])
    result = lambda_handler.handler(sqs(s3_notification(bad_key), s3_notification(EXPORT_KEY)), None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert_landed(s3)  # the good export only; nothing under cohort=pediatric_v1
    assert no_open_uploads(s3)
    assert partitions(glue, "fitbitsleeplogs") == [["adults_v1", EXPORT_ID]]


def test_a_member_failing_its_crc_aborts_its_upload_and_registers_nothing(s3, glue):
    data = noise_lines(PART_SIZE + 100_000)
    archive = bytearray(zip_bytes({SLEEP: data}, level=0))
    archive[archive.rindex(b'"}\n') - 1] ^= 0x01
    s3.put_object(Bucket=INPUT, Key=EXPORT_KEY, Body=bytes(archive))
    result = lambda_handler.handler(sqs(s3_notification(EXPORT_KEY)), None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert raw_objects(s3) == {}
    assert no_open_uploads(s3)
    assert "dev_raw" not in databases(glue)


def test_redelivery_changes_nothing(s3, glue):
    put_export(s3)
    event = sqs(s3_notification(EXPORT_KEY))
    lambda_handler.handler(event, None)
    before = (etags(s3), raw_objects(s3), partitions(glue, "fitbitsleeplogs"),
              partitions(glue, "healthkitv2samples_deleted"))
    assert lambda_handler.handler(event, None) == {"batchItemFailures": []}
    after = (etags(s3), raw_objects(s3), partitions(glue, "fitbitsleeplogs"),
             partitions(glue, "healthkitv2samples_deleted"))
    assert after == before


def test_an_s3_failure_mid_upload_fails_the_message_and_the_redelivery_lands(s3, glue):
    data = noise_lines(2 * PART_SIZE + 1000)
    put_export(s3, members={SLEEP: data}, level=0)
    session = boto3.Session()
    calls = {"UploadPart": 0}

    def lose_connection_on_second_part(**_kwargs):
        calls["UploadPart"] += 1
        if calls["UploadPart"] == 2:
            raise EndpointConnectionError(endpoint_url="injected")

    session.events.register("before-call.s3.UploadPart", lose_connection_on_second_part)
    event = sqs(s3_notification(EXPORT_KEY))
    assert lambda_handler.process_event(event, LAKE, NS, session=session) == {
        "batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert raw_objects(s3) == {}
    assert no_open_uploads(s3)
    assert "dev_raw" not in databases(glue)

    assert lambda_handler.process_event(event, LAKE, NS, session=boto3.Session()) == {
        "batchItemFailures": []}
    (body,) = raw_objects(s3).values()
    assert gzip.decompress(body) == data
    assert partitions(glue, "fitbitsleeplogs") == [["adults_v1", EXPORT_ID]]


@pytest.mark.parametrize("key", ["other/adults_v1/2024-06-09T00:12:49Z_0b6f",  # another namespace
                                 "dev/2024-06-09T00:12:49Z_0b6f",  # no cohort folder
                                 "dev/adults_v1/sub/2024-06-09T00:12:49Z_0b6f"])
def test_a_key_that_is_not_namespace_cohort_export_fails_its_message(s3, capsys, key):
    put_export(s3, key)
    assert lambda_handler.handler(sqs(s3_notification(key)), None) == {
        "batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert raw_objects(s3) == {}
    (failed,) = [line for line in log_lines(capsys) if line["outcome"] == "failed"]
    assert key in failed["error"]


def test_an_unreadable_message_body_fails_that_message(s3):
    event = sqs(s3_notification(EXPORT_KEY))
    event["Records"][0]["body"] = "not json"
    assert lambda_handler.handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}


def test_a_failed_direct_eventbridge_invocation_raises_so_lambda_retries(s3):
    with pytest.raises(RuntimeError, match="export ingest failed"):
        lambda_handler.handler(eventbridge(f"{NS}/adults_v1/missing"), None)


# -- logs ---------------------------------------------------------------------------------------


def test_logs_are_json_lines_naming_export_member_bytes_seconds_and_outcome(s3, capsys):
    put_export(s3)
    lambda_handler.handler(sqs(s3_notification(EXPORT_KEY)), None)
    lines = log_lines(capsys)
    landed = {line["member"]: line for line in lines if line["outcome"] == "landed"}
    assert set(landed) == {SLEEP, WEIGHT_DELETED}
    sleep = landed[SLEEP]
    assert sleep["export"] == f"s3://{INPUT}/{EXPORT_KEY}"
    assert sleep["bytes"] == len(SLEEP_DATA)
    assert sleep["target"] == f"s3://{DATA}/{NS}/raw/{SLEEP_RAW.format(cohort='adults_v1', export=EXPORT_ID)}"
    assert isinstance(sleep["seconds"], float)
    (ingested,) = [line for line in lines if line["outcome"] == "ingested"]
    assert ingested["members"] == 2
    assert ingested["cohort"] == "adults_v1"
    assert {"level", "export", "bytes", "seconds", "message_id"} <= set(ingested)


# -- parsing, without AWS -----------------------------------------------------------------------


def test_non_create_events_are_ignored():
    (message,) = s3_events.messages(sqs(s3_notification(EXPORT_KEY, event="ObjectRemoved:Delete")))
    assert message.objects == []
    assert message.ignored == [(f"s3://{INPUT}/{EXPORT_KEY}", "event ObjectRemoved:Delete")]


def test_eventbridge_keys_are_taken_as_they_are():
    (message,) = s3_events.messages(eventbridge("dev/adults_v1/a+b%3A"))
    assert message.objects == [s3_events.S3Object(INPUT, "dev/adults_v1/a+b%3A")]


def test_the_handler_refuses_to_run_without_its_configuration(monkeypatch):
    monkeypatch.delenv("RECOVER_LAKE", raising=False)
    with pytest.raises(RuntimeError, match="RECOVER_LAKE"):
        lambda_handler.handler(sqs(s3_notification(EXPORT_KEY)), None)


# -- malformed messages fail alone ------------------------------------------------------------


def malformed_notification(**overrides) -> dict:
    """An S3 notification whose record has one field replaced (a number key, a null name...)."""
    body = s3_notification(EXPORT_KEY)
    record = body["Records"][0]
    for path, value in overrides.items():
        target = record
        *parents, leaf = path.split(".")
        for step in parents:
            target = target[step]
        target[leaf] = value
    return body


@pytest.mark.parametrize("overrides", [{"s3.object.key": 12345}, {"eventName": None},
                                       {"s3.bucket.name": ["x"]}, {"s3": "not an object"}])
def test_a_malformed_message_fails_alone_and_the_good_export_in_the_batch_lands(s3, capsys, overrides):
    put_export(s3)
    event = sqs(malformed_notification(**overrides), s3_notification(EXPORT_KEY))
    assert lambda_handler.handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert_landed(s3)
    failed = [line for line in log_lines(capsys) if line["outcome"] == "failed"]
    assert [line["message_id"] for line in failed] == ["msg-0"]


def test_a_body_that_is_not_a_string_fails_its_message_only(s3):
    put_export(s3)
    event = sqs(s3_notification(EXPORT_KEY), s3_notification(EXPORT_KEY))
    event["Records"][0]["body"] = {"Records": []}
    assert lambda_handler.handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert_landed(s3)
