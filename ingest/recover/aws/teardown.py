"""Remove a namespace: its stack, then everything of it the stack does not own.

Order: the stack first (its Lambdas, rules and build project stop writing), then every object
version and delete marker under the namespace's prefixes in the shared buckets (input `{ns}/`,
data `{ns}/` and `athena-results/{ns}/`, artifacts `{ns}/`: versioning would otherwise keep
the data for its noncurrent-version days), then a sweep of what carries the namespace's name
and may outlive the stack: its Glue databases (dbt and the ingest create them when missing),
its Athena workgroups and its log groups. Every step tolerates what is already gone, so
teardown is idempotent; a second run finds nothing. The shared stack is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from recover.aws import namespaces, stacks

LOG_GROUPS = ("/aws/lambda/recover-ingest-{ns}", "/aws/lambda/recover-build-trigger-{ns}",
              "/aws/lambda/recover-reconcile-{ns}", "/aws/codebuild/recover-build-{ns}")


@dataclass
class Teardown:
    namespace: str
    stack: str = "absent"  # deleted | absent | failed: ...
    objects: dict[str, int] = field(default_factory=dict)  # s3://bucket/prefix -> versions removed
    databases: list[str] = field(default_factory=list)
    workgroups: list[str] = field(default_factory=list)
    log_groups: list[str] = field(default_factory=list)

    @property
    def removed_anything(self) -> bool:
        return self.stack == "deleted" or any(self.objects.values()) or bool(
            self.databases or self.workgroups or self.log_groups)


def delete_prefix(s3: Any, bucket: str, prefix: str) -> int:
    """Delete every version and delete marker under s3://bucket/prefix; return how many."""
    removed = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        entries = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                   for kind in ("Versions", "DeleteMarkers") for v in page.get(kind, [])]
        for start in range(0, len(entries), 1000):
            batch = entries[start:start + 1000]
            response = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            errors = response.get("Errors", [])
            if errors:
                raise RuntimeError(f"s3://{bucket}/{errors[0]['Key']}: {errors[0].get('Code')}: "
                                   f"{errors[0].get('Message')}")
            removed += len(batch)
    return removed


def _gone(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", "")
    return code in ("EntityNotFoundException", "ResourceNotFoundException", "NoSuchBucket") or (
        code == "InvalidRequestException" and "not found" in message.lower())


def teardown(session: Any, environment: str, namespace: str) -> Teardown:
    """Remove the namespace (see the module docstring). A stack that cannot be deleted is
    reported in `stack` ("failed: ..."); the other steps still run."""
    result = Teardown(namespace)
    cfn = session.client("cloudformation")
    shared = stacks.outputs(cfn, namespaces.shared_stack(environment)) or {}
    try:
        if stacks.delete(cfn, namespaces.namespace_stack(environment, namespace)):
            result.stack = "deleted"
    except stacks.StackError as exc:
        result.stack = f"failed: {exc}"
    s3 = session.client("s3")
    prefixes = [(shared.get("InputBucket"), f"{namespace}/"),
                *[(shared.get("DataBucket"), p) for p in namespaces.data_prefixes(namespace)],
                (shared.get("ArtifactsBucket"), f"{namespace}/")]
    for bucket, prefix in prefixes:
        if bucket:
            try:
                result.objects[f"s3://{bucket}/{prefix}"] = delete_prefix(s3, bucket, prefix)
            except ClientError as exc:
                if not _gone(exc):
                    raise
    glue = session.client("glue")
    for database in namespaces.databases(namespace):
        try:
            glue.delete_database(Name=database)
            result.databases.append(database)
        except ClientError as exc:
            if not _gone(exc):
                raise
    athena = session.client("athena")
    for workgroup in namespaces.workgroups(namespace):
        try:
            athena.delete_work_group(WorkGroup=workgroup, RecursiveDeleteOption=True)
            result.workgroups.append(workgroup)
        except ClientError as exc:
            if not _gone(exc):
                raise
    logs = session.client("logs")
    for template in LOG_GROUPS:
        name = template.format(ns=namespace)
        try:
            logs.delete_log_group(logGroupName=name)
            result.log_groups.append(name)
        except ClientError as exc:
            if not _gone(exc):
                raise
    return result
