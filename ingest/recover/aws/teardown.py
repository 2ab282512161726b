"""Remove a namespace: its stack, then everything of it the stack does not own.

Order: the analysts' policies are detached from whoever they were given to (CloudFormation cannot
delete an attached managed policy), then the stack (its Lambdas, rules and build project stop
writing), then every object
version and delete marker under the namespace's prefixes in the shared buckets (input `{ns}/`,
data `{ns}/` and `athena-results/{ns}/`, artifacts `{ns}/`: versioning would otherwise keep
the data for its noncurrent-version days), then a sweep of what carries the namespace's name
and may outlive the stack: its Glue databases (dbt and the ingest create them when missing),
its Athena workgroups, its log groups and the analysts' policies. Every step tolerates what is already gone, so
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
    detached: list[str] = field(default_factory=list)  # roles, users, groups given the policy
    policies: list[str] = field(default_factory=list)  # left by the stack, deleted here

    @property
    def removed_anything(self) -> bool:
        return self.stack == "deleted" or any(self.objects.values()) or bool(
            self.databases or self.workgroups or self.log_groups or self.policies)


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


def _unless_gone(call: Any, *args: Any, **kwargs: Any) -> Any:
    """`call(...)`'s result (True when it returns nothing), or None when what it deletes is
    already gone; any other error propagates."""
    try:
        answer = call(*args, **kwargs)
    except ClientError as exc:
        if not _gone(exc):
            raise
        return None
    return True if answer is None else answer


def teardown(session: Any, environment: str, namespace: str) -> Teardown:
    """Remove the namespace (see the module docstring). A stack that cannot be deleted is
    reported in `stack` ("failed: ..."); the other steps still run."""
    result = Teardown(namespace)
    cfn = session.client("cloudformation")
    shared = stacks.outputs(cfn, namespaces.shared_stack(environment)) or {}
    iam = session.client("iam")
    caller = session.client("sts").get_caller_identity()
    partition = caller["Arn"].split(":")[1]
    policies = [f"arn:{partition}:iam::{caller['Account']}:policy/{name}"
                for name in namespaces.policies(namespace)]
    for policy in policies:
        result.detached += detach_policy(iam, policy)
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
            removed = _unless_gone(delete_prefix, s3, bucket, prefix)
            if removed is not None:
                result.objects[f"s3://{bucket}/{prefix}"] = removed
    glue = session.client("glue")
    result.databases = [db for db in namespaces.databases(namespace)
                        if _unless_gone(glue.delete_database, Name=db) is not None]
    athena = session.client("athena")
    existing = _workgroups(athena)
    result.workgroups = [
        wg for wg in namespaces.workgroups(namespace) if wg in existing
        and _unless_gone(athena.delete_work_group, WorkGroup=wg, RecursiveDeleteOption=True)
        is not None]
    logs = session.client("logs")
    names = [template.format(ns=namespace) for template in LOG_GROUPS]
    result.log_groups = [name for name in names
                         if _unless_gone(logs.delete_log_group, logGroupName=name) is not None]
    result.policies = [policy for policy in policies if delete_policy(iam, policy)]
    return result


def _workgroups(athena: Any) -> set[str]:
    names: set[str] = set()
    kwargs: dict[str, str] = {}
    while True:
        page = athena.list_work_groups(**kwargs)
        names |= {w["Name"] for w in page.get("WorkGroups", [])}
        if not page.get("NextToken"):
            return names
        kwargs = {"NextToken": page["NextToken"]}


def detach_policy(iam: Any, arn: str) -> list[str]:
    """Detach a managed policy from every role, user and group; return who had it."""
    try:
        entities = iam.list_entities_for_policy(PolicyArn=arn)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return []
        raise
    detached = []
    for role in entities.get("PolicyRoles", []):
        iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
        detached.append(f"role {role['RoleName']}")
    for user in entities.get("PolicyUsers", []):
        iam.detach_user_policy(UserName=user["UserName"], PolicyArn=arn)
        detached.append(f"user {user['UserName']}")
    for group in entities.get("PolicyGroups", []):
        iam.detach_group_policy(GroupName=group["GroupName"], PolicyArn=arn)
        detached.append(f"group {group['GroupName']}")
    return detached


def delete_policy(iam: Any, arn: str) -> bool:
    """Delete a managed policy the stack left (all its versions); False when there is none."""
    try:
        versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return False
        raise
    for version in versions:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    iam.delete_policy(PolicyArn=arn)
    return True
