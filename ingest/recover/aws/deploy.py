"""Deploying: the environment's shared stack, and a namespace's stack with its artifacts.

A namespace deploy packages the Lambda code (deploy/package.sh) and the dbt project, uploads
both under `s3://{artifacts}/{ns}/` (recover/aws/artifacts.py, keys by content), then creates or
updates the stack `recover-{env}-ns-{ns}` from deploy/template.yaml with those keys. When an
existing namespace gets a different project, it also writes a build request
(`s3://{data}/{ns}/runs/_requested`): the build trigger rebuilds the curated tables with the new
models; a new namespace waits for its first export instead.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recover.aws import artifacts, namespaces, stacks
from recover.aws.build_trigger import request_key

TEMPLATE = artifacts.ROOT / "deploy" / "template.yaml"
SHARED_TEMPLATE = artifacts.ROOT / "deploy" / "shared.yaml"
LAYER_ENV = "RECOVER_PANDAS_LAYER_ARN"


class DeployError(Exception):
    """The deploy cannot go on (a missing shared stack, a missing setting); one line."""


@dataclass
class Deployed:
    stack: str
    action: str  # created | updated | unchanged
    outputs: dict[str, str] = field(default_factory=dict)
    artifacts: list[artifacts.Artifact] = field(default_factory=list)
    build_requested: bool = False


def tags(environment: str, namespace: str | None = None) -> dict[str, str]:
    found = {"recover:environment": environment}
    if namespace:
        found["recover:namespace"] = namespace
    return found


def deploy_shared(session: Any, environment: str, alarm_email: str | None = None) -> Deployed:
    cfn = session.client("cloudformation")
    name = namespaces.shared_stack(environment)
    action = stacks.deploy(cfn, name, SHARED_TEMPLATE.read_text(),
                           {"Environment": environment, "AlarmEmail": alarm_email},
                           tags(environment))
    return Deployed(name, action, stacks.outputs(cfn, name) or {})


def shared_outputs(cfn: Any, environment: str) -> dict[str, str]:
    found = stacks.outputs(cfn, namespaces.shared_stack(environment))
    if not found:
        raise DeployError(f"no shared stack {namespaces.shared_stack(environment)} in this "
                          f"account and region: deploy it first (recover deploy --shared "
                          f"--environment {environment})")
    return found


def deploy_namespace(session: Any, environment: str, namespace: str,
                     code_dir: Path | None = None, layer_arn: str | None = None,
                     parameters: dict[str, str] | None = None) -> Deployed:
    cfn, s3 = session.client("cloudformation"), session.client("s3")
    shared = shared_outputs(cfn, environment)
    name = namespaces.namespace_stack(environment, namespace)
    previous = stacks.parameters(stacks.describe(cfn, name))
    layer_arn = layer_arn or os.environ.get(LAYER_ENV) or previous.get("AwsSdkPandasLayerArn")
    if not layer_arn:
        raise DeployError(f"the AWS SDK for pandas layer is needed: pass --layer-arn or set "
                          f"{LAYER_ENV} (docs/deploy.md, step 1)")
    with tempfile.TemporaryDirectory(prefix="recover-lambda-") as tmp:
        folder = code_dir or artifacts.package_lambda(Path(tmp) / "build")
        code = artifacts.upload(s3, shared["ArtifactsBucket"], namespace, "lambda",
                                artifacts.lambda_zip(folder))
    project = artifacts.upload(s3, shared["ArtifactsBucket"], namespace, "project",
                               artifacts.project_zip())
    values: dict[str, str | None] = {
        "Namespace": namespace, "Environment": environment, "CodeKey": code.key,
        "ProjectKey": project.key, "AwsSdkPandasLayerArn": layer_arn,
        **{k: v for k, v in (parameters or {}).items()}}
    for key, value in previous.items():  # keep what this deploy does not set (schedules, ...)
        values.setdefault(key, value)
    action = stacks.deploy(cfn, name, TEMPLATE.read_text(), values,
                           tags(environment, namespace), ("CAPABILITY_NAMED_IAM",))
    result = Deployed(name, action, stacks.outputs(cfn, name) or {}, [code, project])
    if previous.get("ProjectKey") not in (None, project.key):
        request_build(s3, shared["DataBucket"], namespace, f"recover deploy: project {project.key}")
        result.build_requested = True
    return result


def request_build(s3: Any, data_bucket: str, namespace: str, why: str) -> str:
    """Ask the namespace's build trigger for a build (its upload time is the request)."""
    key = request_key(namespace)
    body = {"requested_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "why": why}
    s3.put_object(Bucket=data_bucket, Key=key, Body=(json.dumps(body) + "\n").encode(),
                  ContentType="application/json")
    return f"s3://{data_bucket}/{key}"
