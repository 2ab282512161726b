"""deploy/shared.yaml and deploy/template.yaml: cfn-lint clean, and the properties the pipeline
relies on that moto's CloudFormation cannot show (tests/support/deployed.py lists what it lacks):
versioning, logging, lifecycle, alarms, the runner's and the analysts' least privilege."""

import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import decode
from recover.aws import namespaces

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "template.yaml"
SHARED = ROOT / "deploy" / "shared.yaml"


def load(path: Path) -> dict:
    parsed, problems = decode(str(path))
    assert not problems, problems
    return parsed


@pytest.fixture(scope="module")
def template() -> dict:
    return load(TEMPLATE)


@pytest.fixture(scope="module")
def shared() -> dict:
    return load(SHARED)


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {name: r.get("Properties", {}) for name, r in template["Resources"].items() if r["Type"] == kind}


def statements(role: dict) -> list[dict]:
    document = role.get("PolicyDocument")
    docs = [document] if document else [p["PolicyDocument"] for p in role["Policies"]]
    return [s for d in docs for s in d["Statement"]]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def text(value) -> str:
    """A resource string with its intrinsic functions flattened (Sub templates, import names)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0].replace("${", "${") + " " + str(sub[1])
    return str(value)


def test_cfn_lint_passes():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(TEMPLATE), str(SHARED)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_namespace_template_fits_in_a_create_stack_call():
    assert len(TEMPLATE.read_bytes()) < 51_200  # TemplateBody's limit (recover deploy sends it)


# -- shared: buckets, key, logging ---------------------------------------------------------------


def test_shared_buckets_are_versioned_with_noncurrent_expiry_logged_encrypted_and_private(shared):
    buckets = resources(shared, "AWS::S3::Bucket")
    assert set(buckets) == {"InputBucket", "DataBucket", "ArtifactsBucket", "LogsBucket"}
    for name, bucket in buckets.items():
        assert all(bucket["PublicAccessBlockConfiguration"].values()) and len(
            bucket["PublicAccessBlockConfiguration"]) == 4
        assert shared["Resources"][name]["DeletionPolicy"] == "Retain"
        if name == "LogsBucket":
            continue
        assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
        rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
        assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {
            "NoncurrentDays": {"Ref": "NoncurrentVersionDays"}}
        assert "remove-expired-delete-markers" in rules and "abort-incomplete-uploads" in rules
        assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "LogsBucket"}
    for name in ("DataBucket", "ArtifactsBucket"):
        (rule,) = buckets[name]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": ["Key", "Arn"]}
    for name in ("InputBucket", "DataBucket"):
        assert buckets[name]["NotificationConfiguration"] == {
            "EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    assert resources(shared, "AWS::KMS::Key")["Key"]["EnableKeyRotation"] is True
    athena = [r for r in buckets["DataBucket"]["LifecycleConfiguration"]["Rules"]
              if r["Id"] == "expire-athena-results"]
    assert athena[0]["Prefix"] == "athena-results/"


def test_shared_exports_are_what_the_namespace_template_imports(shared, template):
    exported = {o["Export"]["Name"]["Fn::Sub"] for o in shared["Outputs"].values()}
    imported = set()

    def walk(node):
        if isinstance(node, dict):
            if "Fn::ImportValue" in node:
                imported.add(node["Fn::ImportValue"]["Fn::Sub"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template["Resources"])
    assert imported and imported <= exported


# -- namespace: ingest ---------------------------------------------------------------------------


def test_the_lambdas_run_a_current_python_and_the_ingest_keeps_its_size(template):
    functions = resources(template, "AWS::Lambda::Function")
    assert {f["Handler"] for f in functions.values()} == {
        "recover.aws.lambda_handler.handler", "recover.aws.build_trigger.handler",
        "recover.aws.reconcile.handler"}
    assert {f["Runtime"] for f in functions.values()} == {"python3.13"}
    ingest = functions["IngestFunction"]
    assert (ingest["MemorySize"], ingest["Timeout"]) == (1024, 900)
    assert set(ingest["Environment"]["Variables"]) == {"RECOVER_LAKE", "RECOVER_NAMESPACE"}
    assert functions["BuildTriggerFunction"]["ReservedConcurrentExecutions"] == 1
    for name, function in functions.items():  # each logs to a group of the stack
        assert "LogGroup" in function["LoggingConfig"], name


def test_the_queue_feeds_the_lambda_with_partial_batch_responses_and_a_dead_letter_queue(template):
    queue = resources(template, "AWS::SQS::Queue")["IngestQueue"]
    assert queue["VisibilityTimeout"] >= 6 * 900
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 3
    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_namespace_prefix_of_the_input_bucket_reaches_its_queue_through_eventbridge(template):
    rule = resources(template, "AWS::Events::Rule")["IngestRule"]
    assert rule["EventPattern"]["detail"]["object"]["key"] == [{"prefix": {"Fn::Sub": "${Namespace}/"}}]
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    policy = resources(template, "AWS::SQS::QueuePolicy")["IngestQueuePolicy"]
    (statement,) = statements(policy)
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": ["IngestRule", "Arn"]}


# -- namespace: the runner and its trigger -------------------------------------------------------


def test_the_runner_is_one_build_at_a_time_running_the_runner_script(template):
    project = resources(template, "AWS::CodeBuild::Project")["BuildProject"]
    assert project["Name"] == {"Fn::Sub": "recover-build-${Namespace}"}
    assert project["ConcurrentBuildLimit"] == 1
    assert "bash deploy/runner.sh" in project["Source"]["BuildSpec"]
    env = {v["Name"] for v in project["Environment"]["EnvironmentVariables"]}
    assert env == {"RECOVER_NAMESPACE", "RECOVER_LAKE", "RECOVER_TARGET", "RECOVER_DBT_WORKGROUP"}
    assert project["LogsConfig"]["CloudWatchLogs"]["GroupName"] == {"Ref": "BuildLogGroup"}


def test_commits_build_ends_and_a_schedule_invoke_the_trigger(template):
    rules = resources(template, "AWS::Events::Rule")
    keys = rules["CommitRule"]["EventPattern"]["detail"]["object"]["key"]
    assert keys == [{"prefix": {"Fn::Sub": "${Namespace}/raw/_exports/"}},
                    {"prefix": {"Fn::Sub": "${Namespace}/runs/_requested"}}]
    for name in ("CommitRule", "BuildFinishedRule", "TriggerScheduleRule"):
        assert rules[name]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["BuildTriggerFunction", "Arn"]}
    permissions = {p["SourceArn"]["Fn::GetAtt"][0] for p in resources(
        template, "AWS::Lambda::Permission").values()}
    assert permissions == {"CommitRule", "BuildFinishedRule", "TriggerScheduleRule", "ReconcileRule"}
    assert "ScheduleExpression" in rules["ReconcileRule"]


# -- namespace: alarms ---------------------------------------------------------------------------


def test_alarms_watch_dead_letters_lambda_errors_and_failed_builds(template):
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert set(alarms) == {"DeadLetterQueueAlarm", "IngestErrorsAlarm", "AutomationErrorsAlarm",
                           "BuildFailedAlarm"}
    assert alarms["DeadLetterQueueAlarm"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarms["BuildFailedAlarm"]["MetricName"] == "FailedBuilds"
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Fn::ImportValue": {"Fn::Sub": "recover-${Environment}-AlarmTopicArn"}}]
    notification = resources(template, "AWS::Events::Rule")["BuildFailedNotificationRule"]
    assert "FAILED" in notification["EventPattern"]["detail"]["build-status"]
    assert "runs/" in text(notification["Targets"][0]["InputTransformer"]["InputTemplate"])


def test_the_analysts_workgroup_caps_bytes_scanned_and_enforces_its_results(template):
    groups = resources(template, "AWS::Athena::WorkGroup")
    config = groups["WorkGroup"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] == {"Ref": "BytesScannedCutoffPerQuery"}
    assert groups["DbtWorkGroup"]["WorkGroupConfiguration"]["EnforceWorkGroupConfiguration"] is False
    assert {text(g["Name"]).replace("${Namespace}", "x") for g in groups.values()} == set(
        namespaces.workgroups("x"))


def test_the_stack_owns_every_glue_database_of_the_namespace(template):
    names = {text(db["DatabaseInput"]["Name"]) if "Fn::Sub" in db["DatabaseInput"]["Name"] else "${Namespace}"
             for db in resources(template, "AWS::Glue::Database").values()}
    assert {n.replace("${Namespace}", "x") for n in names} == set(namespaces.databases("x"))


# -- IAM: least privilege ------------------------------------------------------------------------


def object_path(resource: str) -> str:
    """`arn:${AWS::Partition}:s3:::${Data}/x/*` -> `/x/*` (the key pattern after the bucket)."""
    return resource.split(":s3:::", 1)[1].split("}", 1)[1].split(" ")[0]


def arn_strings(statement: dict) -> list[str]:
    return [text(r) for r in as_list(statement["Resource"])]


@pytest.mark.parametrize("role", ["IngestFunctionRole", "RunnerRole", "BuildTriggerRole",
                                  "ReconcileRole", "AnalystsPolicy", "RestrictedReadersPolicy"])
def test_every_role_reaches_only_its_namespace(template, role):
    found = {**resources(template, "AWS::IAM::Role"), **resources(template, "AWS::IAM::ManagedPolicy")}
    assert "ManagedPolicyArns" not in found[role]
    for statement in statements(found[role]):
        assert statement["Effect"] == "Allow"
        assert not any("*" in a for a in as_list(statement["Action"])), statement
        for resource in arn_strings(statement):
            assert resource not in ("*", "arn:aws:s3:::*"), statement
            if ":s3:::" in resource and object_path(resource):  # an object ARN
                assert object_path(resource).startswith(("/${Namespace}/", "/athena-results/${Namespace}/")), resource
            if ":glue:" in resource and (":database/" in resource or ":table/" in resource):
                assert "${Namespace}" in resource, resource
            if ":athena:" in resource and "workgroup/" in resource:
                assert resource.endswith(("recover-${Namespace}", "recover-${Namespace}-dbt")), resource
        if any(a.startswith("s3:List") for a in as_list(statement["Action"])):
            prefixes = as_list(statement["Condition"]["StringLike"]["s3:prefix"])
            assert all(text(p).startswith(("${Namespace}/", "athena-results/${Namespace}/"))
                       for p in prefixes), statement


def test_the_analysts_read_the_curated_schema_and_nothing_else(template):
    policy = resources(template, "AWS::IAM::ManagedPolicy")["AnalystsPolicy"]
    glue = [s for s in statements(policy) if any(a.startswith("glue:") for a in as_list(s["Action"]))]
    (statement,) = glue
    assert all(a.startswith(("glue:Get", "glue:BatchGet")) for a in statement["Action"])
    assert {r.rsplit(":", 1)[1] for r in arn_strings(statement)} == {
        "catalog", "database/${Namespace}", "table/${Namespace}/*"}
    reads = {r for s in statements(policy) if "s3:GetObject" in as_list(s["Action"])
             for r in arn_strings(s)}
    assert {object_path(r) for r in reads} == {
        "/${Namespace}/parquet/*", "/athena-results/${Namespace}/*"}
    writes = [s for s in statements(policy) if "s3:PutObject" in as_list(s["Action"])]
    assert all(object_path(r).startswith("/athena-results/") for s in writes for r in arn_strings(s))
    assert not any("restricted" in r for s in statements(policy) for r in arn_strings(s))
    (athena,) = [s for s in statements(policy) if "athena:StartQueryExecution" in s["Action"]]
    assert text(athena["Resource"]).endswith("workgroup/recover-${Namespace}")


def test_the_runner_writes_the_build_prefixes_and_only_reads_the_raw_zone(template):
    role = resources(template, "AWS::IAM::Role")["RunnerRole"]
    writes = {object_path(r) for s in statements(role)
              if "s3:PutObject" in as_list(s["Action"]) for r in arn_strings(s)}
    assert writes == {"/${Namespace}/parquet/*", "/${Namespace}/work/*", "/${Namespace}/tmp/*",
                      "/${Namespace}/restricted/*",
                      "/${Namespace}/runs/*", "/athena-results/${Namespace}/*",
                      "/${Namespace}/cache/*"}
    raw = [s for s in statements(role) if any("/raw/" in r for r in arn_strings(s))]
    assert [s["Action"] for s in raw] == ["s3:GetObject"]


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
