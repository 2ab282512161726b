"""A deployed environment on the test suite's moto server: the shared stack and namespace stacks
deployed by the real deploy code (recover.aws.deploy) through moto's CloudFormation, plus what
moto's CloudFormation leaves out, created at the API level and listed here:

* resource types it does not implement (it skips them with a warning): AWS::Glue::Database,
  AWS::Athena::WorkGroup, AWS::CodeBuild::Project (created below, from the names the template
  uses), AWS::CloudWatch::Alarm, AWS::SQS::QueuePolicy, AWS::S3::BucketPolicy,
  AWS::SNS::TopicPolicy, AWS::SNS::Subscription (not created: moto enforces no policy and sends no
  alarm; tests/test_deploy_template.py checks them in the template);
* S3 bucket properties its AWS::S3::Bucket ignores (it applies encryption and tags only):
  versioning and the EventBridge notifications are set below; lifecycle rules, access logging
  and the public access block are checked in the template only.

MOTO_CFN_UNSUPPORTED is asserted against moto's own warnings, so a moto upgrade that adds one of
them shows up as a failing test rather than a silent double creation.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recover.aws import deploy, namespaces

ROOT = Path(__file__).resolve().parents[2]
ENV = "test"
MOTO_CFN_UNSUPPORTED = {"AWS::Glue::Database", "AWS::Athena::WorkGroup", "AWS::CodeBuild::Project",
                        "AWS::CloudWatch::Alarm", "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy",
                        "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription"}
EVENTBRIDGE_BUCKETS = ("InputBucket", "DataBucket")  # deploy/shared.yaml
VERSIONED_BUCKETS = ("InputBucket", "DataBucket", "ArtifactsBucket")


def package_lambda(out: Path) -> Path:
    """deploy/package.sh without PyYAML (no network): the Lambda code folder."""
    subprocess.run(["bash", str(ROOT / "deploy" / "package.sh"), str(out), "--no-deps"], check=True,
                   capture_output=True)
    return out


def fake_layer(session: Any) -> str:
    """A layer version standing in for AWS SDK for pandas (moto checks that layers exist)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/README", "stand-in for AWSSDKPandas-Python313\n")
    return session.client("lambda").publish_layer_version(
        LayerName="AWSSDKPandas-Python313", Content={"ZipFile": buffer.getvalue()})["LayerVersionArn"]


def fill_shared(session: Any, outputs: dict[str, str]) -> None:
    s3 = session.client("s3")
    for name in VERSIONED_BUCKETS:
        s3.put_bucket_versioning(Bucket=outputs[name], VersioningConfiguration={"Status": "Enabled"})
    for name in EVENTBRIDGE_BUCKETS:
        s3.put_bucket_notification_configuration(
            Bucket=outputs[name], NotificationConfiguration={"EventBridgeConfiguration": {}})


def fill_namespace(session: Any, namespace: str, shared: dict[str, str]) -> None:
    """The namespace stack's Glue databases, workgroups and build project, as the template names
    them (deploy/template.yaml)."""
    glue, athena = session.client("glue"), session.client("athena")
    for database in namespaces.databases(namespace):
        glue.create_database(DatabaseInput={"Name": database})
    results = f"s3://{shared['DataBucket']}/athena-results/{namespace}/"
    for workgroup, where in zip(namespaces.workgroups(namespace), (results, results + "dbt/"),
                                strict=True):
        athena.create_work_group(Name=workgroup, Configuration={
            "ResultConfiguration": {"OutputLocation": where}})
    stack = namespaces.namespace_stack(ENV, namespace)
    (role,) = [r["PhysicalResourceId"] for r in session.client("cloudformation")
               .describe_stack_resources(StackName=stack)["StackResources"]
               if r.get("LogicalResourceId") == "RunnerRole"]  # moto lists skipped types as {}
    params = {p["ParameterKey"]: p["ParameterValue"] for p in session.client(
        "cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]}
    session.client("codebuild").create_project(
        name=namespaces.build_project(namespace),
        source={"type": "S3", "location": f"{shared['ArtifactsBucket']}/{params['ProjectKey']}"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/amazonlinux-x86_64-standard:5.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=session.client("iam").get_role(RoleName=role)["Role"]["Arn"])


@dataclass
class Deployment:
    session: Any
    shared: dict[str, str]
    layer: str
    code_dir: Path

    def namespace(self, namespace: str) -> deploy.Deployed:
        result = deploy.deploy_namespace(self.session, ENV, namespace, code_dir=self.code_dir,
                                         layer_arn=self.layer)
        if result.action == "created":
            fill_namespace(self.session, namespace, self.shared)
        return result

    def client(self, service: str) -> Any:
        return self.session.client(service)


def deploy_shared(session: Any, code_dir: Path) -> Deployment:
    result = deploy.deploy_shared(session, ENV)
    fill_shared(session, result.outputs)
    return Deployment(session, result.outputs, fake_layer(session), code_dir)
