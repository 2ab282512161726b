"""deploy/template.yaml: cfn-lint clean, and the properties the ingest relies on."""

import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict:
    parsed, problems = decode(str(TEMPLATE))
    assert not problems, problems
    return parsed


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {name: r.get("Properties", {}) for name, r in template["Resources"].items() if r["Type"] == kind}


def one(template: dict, kind: str) -> dict:
    (props,) = resources(template, kind).values()
    return props


def test_cfn_lint_passes():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_lambda_runs_the_handler_with_the_agreed_size_and_configuration(template):
    function = one(template, "AWS::Lambda::Function")
    assert function["Handler"] == "recover.aws.lambda_handler.handler"
    assert (function["Runtime"], function["MemorySize"], function["Timeout"]) == ("python3.11", 1024, 900)
    assert set(function["Environment"]["Variables"]) == {"RECOVER_LAKE", "RECOVER_NAMESPACE"}
    from recover.aws import lambda_handler

    assert callable(lambda_handler.handler)


def test_the_queue_feeds_the_lambda_with_partial_batch_responses_and_a_dead_letter_queue(template):
    queues = resources(template, "AWS::SQS::Queue")
    queue = queues["IngestQueue"]
    function = one(template, "AWS::Lambda::Function")
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["IngestDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": 3}
    assert all(q.get("SqsManagedSseEnabled") for q in queues.values())
    mapping = one(template, "AWS::Lambda::EventSourceMapping")
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}


def test_the_input_bucket_notifies_the_queue_for_its_namespace_prefix_only(template):
    bucket = resources(template, "AWS::S3::Bucket")["InputBucket"]
    (config,) = bucket["NotificationConfiguration"]["QueueConfigurations"]
    assert config["Event"] == "s3:ObjectCreated:*"
    assert config["Queue"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    assert config["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": {"Fn::Sub": "${Namespace}/"}}]


def test_buckets_are_encrypted_and_not_public(template):
    buckets = resources(template, "AWS::S3::Bucket")
    assert set(buckets) == {"InputBucket", "DataBucket"}
    for bucket in buckets.values():
        (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
        assert all(bucket["PublicAccessBlockConfiguration"].values())
        assert len(bucket["PublicAccessBlockConfiguration"]) == 4


def _subs(value) -> list[str]:
    """The strings of a resource entry: literal, or the template of an Fn::Sub."""
    values = value if isinstance(value, list) else [value]
    return [v["Fn::Sub"] if isinstance(v, dict) and "Fn::Sub" in v else v for v in values]


def test_the_lambda_role_reaches_only_its_namespace_prefixes_and_raw_database(template):
    role = resources(template, "AWS::IAM::Role")["IngestFunctionRole"]
    assert "ManagedPolicyArns" not in role
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any("*" in a for a in actions), statement
        resources_ = _subs(statement["Resource"])
        assert "*" not in resources_, statement
        for resource in resources_:
            if isinstance(resource, str) and ":s3:::" in resource:
                assert "/${Namespace}/" in resource, resource
            if isinstance(resource, str) and ":glue:" in resource:
                assert resource.endswith((":catalog", "database/${Namespace}_raw", "table/${Namespace}_raw/*"))
    s3_actions = {a for s in statements for a in _subs(s["Action"]) if str(a).startswith("s3:")}
    assert s3_actions == {"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"}


def test_the_namespace_has_its_two_glue_databases_and_an_enforced_athena_workgroup(template):
    names = [db["DatabaseInput"]["Name"] for db in resources(template, "AWS::Glue::Database").values()]
    assert sorted(names, key=str) == sorted([{"Fn::Sub": "${Namespace}_raw"}, {"Ref": "Namespace"}], key=str)
    config = resources(template, "AWS::Athena::WorkGroup")["WorkGroup"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["ResultConfiguration"]["OutputLocation"] == {
        "Fn::Sub": "s3://${DataBucketName}/${Namespace}/athena-results/"}


def test_the_package_puts_the_registry_where_the_registry_loader_looks(tmp_path):
    out = tmp_path / "build"
    subprocess.run(["bash", str(ROOT / "deploy" / "package.sh"), str(out), "--no-deps"], check=True,
                   capture_output=True)
    assert (out / "recover" / "aws" / "lambda_handler.py").is_file()
    code = "from recover import registry; print(registry.default_path()); print(len(registry.load()))"
    env = {"PYTHONPATH": str(out), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    path, count = result.stdout.split()
    assert Path(path) == out / "recover" / "registry" / "_recover__sources.yml"
    assert int(count) > 30
