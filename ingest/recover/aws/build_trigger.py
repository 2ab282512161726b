"""The build trigger Lambda: starts the namespace's build (CodeBuild project
`recover-build-{ns}`, which runs `recover build` on Athena) when something it reads changed, at
most one running and one pending, coalescing bursts.

Invoked by EventBridge (deploy/template.yaml): a commit record or a build request written to
the data bucket, a build of the project ending, and a schedule (every 5 minutes). It keeps no
state of its own; each invocation looks at the facts and decides (decide(), a pure function):

* pending  - the newest commit record (`{ns}/raw/_exports/...`) or build request
             (`{ns}/runs/_requested`, written by `recover deploy` and the CI's integration run)
             is newer than the start of the newest build. A build reads the raw zone after it
             starts, so everything older is in it; a failed build is not retried by itself
             (its alarm is), only a newer commit or request starts the next one.
* running  - a build of the project is in progress (CodeBuild's ConcurrentBuildLimit of 1 also
             refuses a second one). The pending build starts when that one ends: its end is an
             event that invokes this function.
* ingest busy - the ingest queue holds messages (visible or in flight): more exports are on
             their way, so the pending build waits for them (two cohorts' exports delivered
             together give one build), at most RECOVER_BUILD_MAX_WAIT_MINUTES (default 60)
             after the oldest pending change.

The function runs with a reserved concurrency of 1, so two decisions never interleave.
Configuration: RECOVER_LAKE (`s3://data`), RECOVER_NAMESPACE, RECOVER_BUILD_PROJECT,
RECOVER_INGEST_QUEUE_URL. Needs boto3 only. Logs one JSON line per decision.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from recover.aws.lambda_handler import log_json
from recover.lake import commits_prefix, split_s3_uri

REQUEST_KEY = "runs/_requested"  # below {ns}/: a build request (its upload time is what counts)


def request_key(namespace: str) -> str:
    return f"{namespace}/{REQUEST_KEY}"


@dataclass(frozen=True)
class State:
    """The facts a decision rests on."""

    changes: tuple[datetime, ...]  # upload times of commit records and build requests
    last_start: datetime | None  # start of the newest build of the project, any status
    running: str | None  # id of a build in progress
    ingest_messages: int  # visible + in flight + delayed in the ingest queue


@dataclass(frozen=True)
class Decision:
    action: str  # "start" or "none"
    reason: str  # idle | running | waiting-for-ingest | pending | waited-long-enough
    pending_since: datetime | None = None


def decide(state: State, now: datetime, max_wait: timedelta) -> Decision:
    """Start a build, or not, and why."""
    unbuilt = sorted(t for t in state.changes if state.last_start is None or t > state.last_start)
    if not unbuilt:
        return Decision("none", "idle")
    since = unbuilt[0]
    if state.running:
        return Decision("none", "running", since)
    if state.ingest_messages > 0:
        if now - since < max_wait:
            return Decision("none", "waiting-for-ingest", since)
        return Decision("start", "waited-long-enough", since)
    return Decision("start", "pending", since)


def gather(s3: Any, codebuild: Any, sqs: Any, bucket: str, namespace: str, project: str,
           queue_url: str) -> State:
    """Read the facts: commit records and requests (listed), the project's builds, the queue."""
    changes: list[datetime] = []
    for prefix in (commits_prefix(namespace), request_key(namespace)):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            changes += [o["LastModified"].astimezone(UTC) for o in page.get("Contents", [])]
    ids = codebuild.list_builds_for_project(projectName=project, sortOrder="DESCENDING").get("ids", [])
    builds = codebuild.batch_get_builds(ids=ids[:20])["builds"] if ids else []
    starts = [b["startTime"].astimezone(UTC) for b in builds if b.get("startTime")]
    running = next((b["id"] for b in builds if b.get("buildStatus") == "IN_PROGRESS"), None)
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return State(changes=tuple(changes), last_start=max(starts, default=None), running=running,
                 ingest_messages=sum(int(v) for v in attributes.values()))


def trigger(session: Any, lake: str, namespace: str, project: str, queue_url: str,
            max_wait: timedelta, now: datetime | None = None) -> dict[str, Any]:
    """Gather, decide, and start the build when the decision says so; return what happened."""
    bucket = split_s3_uri(lake)[0]
    codebuild = session.client("codebuild")
    state = gather(session.client("s3"), codebuild, session.client("sqs"), bucket, namespace,
                   project, queue_url)
    decision = decide(state, now or datetime.now(UTC), max_wait)
    outcome: dict[str, Any] = {
        "namespace": namespace, "action": decision.action, "reason": decision.reason,
        "pending_since": decision.pending_since, "running": state.running,
        "ingest_messages": state.ingest_messages}
    if decision.action == "start":
        build = codebuild.start_build(projectName=project)["build"]
        outcome["build"] = build["id"]
    return outcome


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (`recover.aws.build_trigger.handler`); the event only says why it ran."""
    import boto3

    try:
        lake = os.environ["RECOVER_LAKE"]
        namespace = os.environ["RECOVER_NAMESPACE"]
        project = os.environ["RECOVER_BUILD_PROJECT"]
        queue_url = os.environ["RECOVER_INGEST_QUEUE_URL"]
    except KeyError as exc:
        raise RuntimeError(f"set {exc.args[0]} on the function") from None
    max_wait = timedelta(minutes=float(os.environ.get("RECOVER_BUILD_MAX_WAIT_MINUTES", "60")))
    outcome = trigger(boto3.Session(), lake, namespace, project, queue_url, max_wait)
    log_json(outcome="build-" + outcome["action"], event=_cause(event), **{
        k: v for k, v in outcome.items() if k != "action"})
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in outcome.items()}


def _cause(event: dict[str, Any]) -> str:
    """What invoked the function, for the log: the object key, the build status, or the tick."""
    detail = event.get("detail") if isinstance(event, dict) else None
    if isinstance(detail, dict):
        key = (detail.get("object") or {}).get("key") if isinstance(detail.get("object"), dict) else None
        if key:
            return f"object {key}"
        if detail.get("build-status"):
            return f"build {detail.get('build-id')} {detail['build-status']}"
    return str(event.get("detail-type", "invocation")) if isinstance(event, dict) else "invocation"
