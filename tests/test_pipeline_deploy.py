"""`recover deploy` then `recover teardown` on the moto server: what a namespace creates, and
that nothing of it is left afterwards while its neighbours are untouched.

Through moto's CloudFormation: the stacks, buckets, KMS key, SNS topic, queues, Lambda functions,
event source mapping, rules and permissions, log groups, IAM roles and the analysts' policy.
At the API level (moto's CloudFormation lacks them, tests/support/deployed.py): the Glue
databases, workgroups and build project are created as the template names them, and teardown's
own API calls remove the databases and workgroups; the alarms, queue/bucket/topic policies and
the build project are removed with the stack on AWS (tests/test_deploy_template.py checks that
the stack owns them).
"""

from __future__ import annotations

import warnings

import pytest
from recover.aws import namespaces

from tests.support import deployed
from tests.support.deployed import ENV

pytestmark = pytest.mark.pipeline


def inventory(d: deployed.Deployment, ns: str) -> dict[str, list[str]]:
    """Everything in the account that belongs to namespace `ns`."""
    c = d.client
    found: dict[str, list[str]] = {}
    found["stacks"] = [s["StackName"] for s in c("cloudformation").describe_stacks()["Stacks"]
                       if s["StackName"] == namespaces.namespace_stack(ENV, ns)
                       and s["StackStatus"] != "DELETE_COMPLETE"]
    objects = []
    for bucket, prefix in [(d.shared["InputBucket"], f"{ns}/"), (d.shared["ArtifactsBucket"], f"{ns}/"),
                           *[(d.shared["DataBucket"], p) for p in namespaces.data_prefixes(ns)]]:
        listed = c("s3").list_object_versions(Bucket=bucket, Prefix=prefix)
        objects += [f"{bucket}/{v['Key']}" for kind in ("Versions", "DeleteMarkers")
                    for v in listed.get(kind, [])]
    found["objects"] = objects
    found["databases"] = sorted({db["Name"] for db in c("glue").get_databases()["DatabaseList"]}
                                & set(namespaces.databases(ns)))
    found["workgroups"] = sorted({w["Name"] for w in c("athena").list_work_groups()["WorkGroups"]}
                                 & set(namespaces.workgroups(ns)))
    found["queues"] = [u for u in c("sqs").list_queues().get("QueueUrls", [])
                       if u.rsplit("/", 1)[1] in (f"recover-ingest-{ns}", f"recover-ingest-{ns}-dlq")]
    found["functions"] = [f["FunctionName"] for f in c("lambda").list_functions()["Functions"]
                          if f["FunctionName"].endswith(f"-{ns}")]
    found["rules"] = [r["Name"] for r in c("events").list_rules()["Rules"]
                      if r["Name"].startswith(f"recover-{ns}-")]
    found["log_groups"] = [g["logGroupName"] for g in c("logs").describe_log_groups()["logGroups"]
                           if g["logGroupName"].endswith(f"-{ns}")]
    found["roles"] = [r["RoleName"] for r in c("iam").list_roles()["Roles"]
                      if r["RoleName"].startswith(namespaces.namespace_stack(ENV, ns) + "-")]
    found["policies"] = [p["PolicyName"] for p in c("iam").list_policies(Scope="Local")["Policies"]
                         if p["PolicyName"] in namespaces.policies(ns)]
    found["mappings"] = [m["UUID"] for m in c("lambda").list_event_source_mappings()["EventSourceMappings"]
                         if m["FunctionArn"].endswith(f":recover-ingest-{ns}")]
    return found


def use_namespace(d: deployed.Deployment, ns: str) -> None:
    """What running a namespace leaves in the shared buckets and the catalog, versions included."""
    s3 = d.client("s3")
    for bucket, key in [(d.shared["InputBucket"], f"{ns}/adults_v1/2024-06-09T00:12:49Z_x"),
                        (d.shared["DataBucket"], f"{ns}/raw/_exports/adults_v1/x.json"),
                        (d.shared["DataBucket"], f"{ns}/parquet/dataset_a/cohort=adults_v1/0.parquet"),
                        (d.shared["DataBucket"], f"athena-results/{ns}/q.csv")]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
        s3.put_object(Bucket=bucket, Key=key, Body=b"2")  # a noncurrent version
    s3.delete_object(Bucket=d.shared["DataBucket"], Key=f"athena-results/{ns}/q.csv")  # a marker
    d.client("glue").create_table(DatabaseName=ns, TableInput={"Name": "dataset_a"})
    iam = d.client("iam")  # an analysts role that was given the namespace's policy
    iam.create_role(RoleName=f"analysts-{ns}", AssumeRolePolicyDocument="{}")
    iam.attach_role_policy(RoleName=f"analysts-{ns}",
                           PolicyArn=f"arn:aws:iam::123456789012:policy/recover-{ns}-analysts")


def test_deploy_creates_the_namespace_and_teardown_leaves_nothing_behind(deployment, cli):
    warnings.simplefilter("ignore")
    deployment.namespace("dev")
    deployment.namespace("dev2")  # a neighbour whose names start the same way
    use_namespace(deployment, "dev")
    use_namespace(deployment, "dev2")
    before = inventory(deployment, "dev")
    assert all(before.values()), {k: v for k, v in before.items() if not v}
    assert len(before["functions"]) == 3 and len(before["databases"]) == 8
    assert len(before["policies"]) == 2
    neighbour = inventory(deployment, "dev2")

    code, out, err = cli("teardown", "--namespace", "dev", "--environment", ENV)
    assert code == 0, err
    assert "stack deleted" in out
    assert inventory(deployment, "dev") == {k: [] for k in before}
    assert inventory(deployment, "dev2") == neighbour
    assert deployed.deploy.stacks.outputs(deployment.client("cloudformation"),
                                          namespaces.shared_stack(ENV)) == deployment.shared

    code, out, err = cli("teardown", "--namespace", "dev", "--environment", ENV)
    assert (code, err) == (0, "")
    assert "stack absent" in out and "nothing left to remove" in out


@pytest.mark.parametrize("ns", namespaces.PROTECTED)
def test_teardown_refuses_main_and_staging_without_the_explicit_flag(deployment, cli, ns):
    warnings.simplefilter("ignore")
    deployment.namespace(ns)
    code, _, err = cli("teardown", "--namespace", ns, "--environment", ENV)
    assert code == 2 and "--allow-protected" in err and err.count("\n") == 1
    assert inventory(deployment, ns)["stacks"]
    code, _, _ = cli("teardown", "--namespace", ns, "--environment", ENV, "--allow-protected")
    assert code == 0 and not any(inventory(deployment, ns).values())


def test_deploy_versions_the_artifacts_by_content_and_a_new_project_requests_a_build(
        deployment, tmp_path, monkeypatch):
    warnings.simplefilter("ignore")
    first = deployment.namespace("dev")
    assert first.action == "created" and not first.build_requested
    kinds = {a.kind: a for a in first.artifacts}
    assert kinds["lambda"].key.startswith("dev/lambda/") and kinds["project"].key.startswith("dev/project/")
    assert all(a.uploaded for a in first.artifacts)
    again = deployment.namespace("dev")
    assert [a.key for a in again.artifacts] == [a.key for a in first.artifacts]
    assert not any(a.uploaded for a in again.artifacts) and not again.build_requested

    from recover.aws import artifacts

    changed = tmp_path / "project"
    for name, path in artifacts.tree(artifacts.ROOT, artifacts.PROJECT_PATHS).items():
        (changed / name).parent.mkdir(parents=True, exist_ok=True)
        (changed / name).write_bytes(path.read_bytes())
    (changed / "models" / "new_model.sql").write_text("select 1 as x\n")
    monkeypatch.setattr(artifacts, "ROOT", changed)
    third = deployment.namespace("dev")
    assert {a.kind: a.key for a in third.artifacts}["project"] != kinds["project"].key
    assert third.build_requested
    data = deployment.shared["DataBucket"]
    assert deployment.client("s3").get_object(Bucket=data, Key="dev/runs/_requested")["Body"].read()


def test_deploying_a_namespace_needs_the_shared_stack_and_says_so(aws, cli, lambda_code):
    code, _, err = cli("deploy", "--namespace", "dev", "--environment", ENV,
                       "--code-dir", lambda_code, "--layer-arn",
                       "arn:aws:lambda:us-east-1:123456789012:layer:x:1")
    assert code == 1
    assert err.startswith("recover deploy: error: no shared stack recover-test-shared")
    assert err.count("\n") == 1
    code, out, err = cli("deploy", "--shared", "--environment", ENV)
    assert code == 0, err
    assert out.startswith("stack recover-test-shared: created\n") and "DataBucket: recover-" in out


@pytest.mark.parametrize("ns", ["Dev", "dev_raw", "x" * 41])
def test_deploy_refuses_names_that_cannot_be_a_namespace(cli, ns):
    code, _, err = cli("deploy", "--namespace", ns)
    assert code == 2 and err.count("\n") == 1


def test_moto_cloudformation_lacks_exactly_the_types_filled_at_the_api_level(aws, lambda_code):
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        from tests.support.deployed import deploy_shared

        deploy_shared(__import__("boto3").Session(), lambda_code).namespace("dev")
    log = aws.log_path.read_text()
    skipped = {line.split("Tried to parse ")[1].split(" ")[0] for line in log.splitlines()
               if "Tried to parse " in line}
    assert skipped == deployed.MOTO_CFN_UNSUPPORTED - {"AWS::SNS::Subscription"}


def test_the_deploy_verb_prints_the_stack_its_artifacts_and_outputs_and_keeps_overrides(
        deployment, cli, lambda_code):
    warnings.simplefilter("ignore")
    args = ("deploy", "--namespace", "dev", "--environment", ENV, "--code-dir", lambda_code,
            "--layer-arn", deployment.layer)
    code, out, err = cli(*args, "--parameter", "BuildComputeType=BUILD_GENERAL1_MEDIUM")
    assert code == 0, err
    assert out.startswith(f"stack {namespaces.namespace_stack(ENV, 'dev')}: created\n")
    assert "lambda   dev/lambda/" in out and "project  dev/project/" in out and "uploaded" in out
    assert "IngestQueueUrl: " in out and "BuildProject: recover-build-dev" in out
    code, out, err = cli(*args[:-2])  # no layer given: the stack's is kept, and so is the override
    assert code == 0, err
    assert "already there" in out
    stack = deployment.client("cloudformation").describe_stacks(
        StackName=namespaces.namespace_stack(ENV, "dev"))["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params["BuildComputeType"] == "BUILD_GENERAL1_MEDIUM"
    assert params["AwsSdkPandasLayerArn"] == deployment.layer
    code, _, err = cli(*args, "--parameter", "no-equals-sign")
    assert code == 2 and err.count("\n") == 1
