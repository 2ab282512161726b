"""Which S3 objects a Lambda event is about: pure parsing, no AWS calls.

Accepted shapes:
- an SQS batch (`Records[].eventSource == "aws:sqs"`) whose bodies are
  - an S3 event notification (`{"Records": [{"eventSource": "aws:s3", "s3": {...}}]}`),
  - the same wrapped in an SNS envelope (`{"Type": "Notification", "Message": "<json>"}`), or
  - an EventBridge `Object Created` event from `aws.s3`;
- an EventBridge `Object Created` event invoking the function directly.

S3 notification keys arrive URL-encoded (`+` for a space, `%3A` for `:`) and are decoded with
unquote_plus; EventBridge carries the key as it is (AWS's examples show literal `:`), so it is
not decoded. Skipped, like upstream (docs/data-contract.md, "Exports"): the `s3:TestEvent` that S3 sends when a
notification is configured (that message only, not the batch), keys containing `owner.txt`
and folder markers (keys ending in `/`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote_plus


class EventError(ValueError):
    """A message whose body is not one of the accepted shapes."""


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str  # decoded

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass
class Message:
    """One unit of retry: an SQS message (`id` = messageId) or a direct EventBridge event."""

    id: str | None
    objects: list[S3Object] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    error: str | None = None  # set when the body could not be parsed


def messages(event: dict[str, Any]) -> list[Message]:
    """The messages of a Lambda event, each with the S3 objects it announces."""
    records = event.get("Records")
    if isinstance(records, list) and records and all(
        isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records
    ):
        return [_sqs_message(record) for record in records]
    message = Message(id=None)
    _parse_safely(event, message)
    return [message]


def _parse_safely(body: Any, message: Message) -> None:
    """Parse one message's body; anything wrong with it becomes that message's error."""
    try:
        _parse_body(body, message)
    except EventError as exc:
        message.error = str(exc)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        message.error = f"unexpected message shape: {type(exc).__name__}: {exc}"


def ignore_reason(key: str) -> str | None:
    """Why an object in the input prefix is not an export (docs/data-contract.md, "Exports"), or None."""
    if key.endswith("/"):
        return "folder marker"
    if "owner.txt" in key:
        return "owner.txt"
    return None


def cohort_of(key: str, namespace: str) -> str:
    """The cohort of an input key `{ns}/{cohort}/{export}`: its 2nd component (docs/data-contract.md, "Cohorts").

    ValueError unless the key has exactly three components and starts with `namespace`.
    """
    parts = PurePosixPath(key).parts
    if len(parts) != 3 or key.startswith("/"):
        raise ValueError(f"key {key!r} is not {{namespace}}/{{cohort}}/{{export}}")
    if parts[0] != namespace:
        raise ValueError(f"key {key!r} is not in namespace {namespace!r}")
    return parts[1]


def _sqs_message(record: dict[str, Any]) -> Message:
    message = Message(id=record.get("messageId"))
    if not isinstance(record.get("body"), str):
        message.error = "SQS body is not a string"
        return message
    try:
        body = json.loads(record.get("body") or "")
    except json.JSONDecodeError as exc:
        message.error = f"SQS body is not JSON: {exc}"
        return message
    _parse_safely(body, message)
    return message


def _parse_body(body: Any, message: Message) -> None:
    if not isinstance(body, dict):
        raise EventError("message is not a JSON object")
    if body.get("Type") == "Notification" and "Message" in body:  # SNS envelope
        try:
            body = json.loads(body["Message"])
        except (TypeError, json.JSONDecodeError) as exc:
            raise EventError(f"SNS Message is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise EventError("SNS Message is not a JSON object")
    if body.get("Event") == "s3:TestEvent":
        message.ignored.append((str(body.get("Bucket", "")), "s3:TestEvent"))
        return
    if body.get("source") == "aws.s3" and "detail" in body:
        _eventbridge(body, message)
        return
    records = body.get("Records")
    if not isinstance(records, list):
        raise EventError("neither an S3 notification, an SNS envelope nor an EventBridge S3 event")
    for record in records:
        try:
            name = record["eventName"]
            bucket = record["s3"]["bucket"]["name"]
            key = record["s3"]["object"]["key"]
        except (KeyError, TypeError):
            raise EventError("S3 notification record without eventName, bucket or key") from None
        if not all(isinstance(v, str) for v in (name, bucket, key)):
            raise EventError("S3 notification record whose eventName, bucket or key is not a "
                             f"string: {name!r}, {bucket!r}, {key!r}")
        key = unquote_plus(key)
        if not name.startswith("ObjectCreated:"):
            message.ignored.append((f"s3://{bucket}/{key}", f"event {name}"))
            continue
        _add(message, bucket, key)


def _eventbridge(body: dict[str, Any], message: Message) -> None:
    try:
        bucket = body["detail"]["bucket"]["name"]
        key = body["detail"]["object"]["key"]
    except (KeyError, TypeError):
        raise EventError("EventBridge S3 event without detail.bucket.name or detail.object.key") from None
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise EventError(f"EventBridge S3 event whose bucket or key is not a string: {bucket!r}, {key!r}")
    if body.get("detail-type") != "Object Created":
        message.ignored.append((f"s3://{bucket}/{key}", f"detail-type {body.get('detail-type')}"))
        return
    _add(message, bucket, key)


def _add(message: Message, bucket: str, key: str) -> None:
    if not bucket or not key:
        raise EventError("S3 event with an empty bucket or key")
    reason = ignore_reason(key)
    if reason is not None:
        message.ignored.append((f"s3://{bucket}/{key}", reason))
    else:
        message.objects.append(S3Object(bucket, key))
