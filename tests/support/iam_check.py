"""Do a role's statements in deploy/template.yaml allow the AWS calls our code makes?

moto enforces no IAM policy, so the pipeline tests would pass with a role that lacks an action.
This records every call a code path makes through botocore (ours and awswrangler's), turns each
into the IAM actions and resource ARNs AWS authorizes it by (the table below: S3 object and
bucket calls with the `s3:prefix` of listings, Glue catalog/database/table ARNs, queues, build
projects, the Athena workgroup a query runs in), and evaluates them against the role's Allow statements with the template's
substitutions made for one deployed namespace: action and resource wildcards, and StringLike /
ArnEquals conditions on the keys we can know (`s3:prefix`). KMS is out of scope (moto's stacks
do not encrypt with the key), and so are calls made inside AWS services (Athena reading S3 on
the caller's behalf) and by dbt-athena in its own process.
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

from botocore.client import BaseClient

ACCOUNT, REGION = "123456789012", "us-east-1"
S3_OBJECT = {"GetObject": "s3:GetObject", "HeadObject": "s3:GetObject",
             "PutObject": "s3:PutObject", "CreateMultipartUpload": "s3:PutObject",
             "UploadPart": "s3:PutObject", "CompleteMultipartUpload": "s3:PutObject",
             "AbortMultipartUpload": "s3:AbortMultipartUpload", "DeleteObject": "s3:DeleteObject"}
S3_BUCKET = {"ListObjectsV2": "s3:ListBucket", "ListObjects": "s3:ListBucket",
             "ListMultipartUploads": "s3:ListBucketMultipartUploads"}
FREE = {("sts", "GetCallerIdentity")}  # needs no permission
QUERY_WORKGROUPS: dict[str, str] = {}  # Athena query id -> the workgroup it was started in
SQS_BATCH = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
             "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}  # authorized as these


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    params: dict


@dataclass(frozen=True)
class Request:
    """One authorization: an action on a resource, with the condition keys we know."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


@contextlib.contextmanager
def recorded() -> Iterator[list[Call]]:
    """Every botocore call made inside the block, in this process."""
    calls: list[Call] = []
    original = BaseClient._make_api_call

    def spy(client, operation, params):
        calls.append(Call(client.meta.service_model.service_name, operation, dict(params)))
        answer = original(client, operation, params)
        if operation == "StartQueryExecution":  # later calls name the query by its id
            QUERY_WORKGROUPS[answer["QueryExecutionId"]] = params.get("WorkGroup", "primary")
        return answer

    with mock.patch.object(BaseClient, "_make_api_call", spy):
        yield calls


def _glue(operation: str, params: dict) -> list[str]:
    arns = [f"arn:aws:glue:{REGION}:{ACCOUNT}:catalog"]
    database = params.get("DatabaseName") or (params.get("Name") if "Database" in operation else None)
    if operation in ("CreateDatabase",):
        database = params["DatabaseInput"]["Name"]
    if database:
        arns.append(f"arn:aws:glue:{REGION}:{ACCOUNT}:database/{database}")
    table = params.get("TableName") or (params.get("TableInput") or {}).get("Name") or (
        params.get("Name") if "Table" in operation else None)
    if database and table:
        arns.append(f"arn:aws:glue:{REGION}:{ACCOUNT}:table/{database}/{table}")
    return arns


def requests(call: Call) -> list[Request]:
    """What AWS checks for one call; KeyError for a call this table does not know."""
    s, op, p = call.service, call.operation, call.params
    if (s, op) in FREE:
        return []
    if s == "s3" and op in S3_OBJECT:
        return [Request(S3_OBJECT[op], f"arn:aws:s3:::{p['Bucket']}/{p['Key']}")]
    if s == "s3" and op == "DeleteObjects":
        return [Request("s3:DeleteObject", f"arn:aws:s3:::{p['Bucket']}/{o['Key']}")
                for o in p["Delete"]["Objects"]]
    if s == "s3" and op == "CopyObject":
        source = p["CopySource"]
        return [Request("s3:GetObject", f"arn:aws:s3:::{source['Bucket']}/{source['Key']}"),
                Request("s3:PutObject", f"arn:aws:s3:::{p['Bucket']}/{p['Key']}")]
    if s == "s3" and op in S3_BUCKET:
        return [Request(S3_BUCKET[op], f"arn:aws:s3:::{p['Bucket']}",
                        (("s3:prefix", p.get("Prefix", "")),))]
    if s == "glue":
        return [Request(f"glue:{op}", arn) for arn in _glue(op, p)]
    if s == "sqs":
        name = p["QueueUrl"].rsplit("/", 1)[1]
        return [Request(f"sqs:{SQS_BATCH.get(op, op)}", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")]
    if s == "codebuild":
        projects = [p["projectName"]] if "projectName" in p else sorted({i.split(":")[0] for i in p["ids"]})
        return [Request(f"codebuild:{op}", f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{name}")
                for name in projects]
    if s == "athena" and (op == "StartQueryExecution" or "QueryExecutionId" in p):
        workgroup = p.get("WorkGroup", "primary") if op == "StartQueryExecution" else \
            QUERY_WORKGROUPS.get(p["QueryExecutionId"], "(a query not started here)")
        return [Request(f"athena:{op}", f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/{workgroup}")]
    raise KeyError(f"no IAM mapping for {s}:{op}")


# -- the template's statements, resolved for one namespace ---------------------------------------


class Resolver:
    """Fn::Sub / Ref / Fn::ImportValue / Fn::GetAtt of deploy/template.yaml for namespace `ns`."""

    def __init__(self, namespace: str, environment: str, shared: dict[str, str],
                 attributes: dict[str, str]) -> None:
        self.values = {"Namespace": namespace, "Environment": environment, "AWS::Partition": "aws",
                       "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
        self.imports = {f"recover-{environment}-{k}": v for k, v in shared.items()}
        self.attributes = attributes  # "IngestQueue.Arn" -> arn

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "Fn::Sub" in node:
            sub = node["Fn::Sub"]
            text, extra = (sub, {}) if isinstance(sub, str) else (sub[0], {k: self(v) for k, v in sub[1].items()})
            for name, value in {**self.values, **extra}.items():
                text = text.replace("${" + name + "}", str(value))
            for name, value in self.attributes.items():
                text = text.replace("${" + name + "}", value)
            assert "${" not in text, text
            return text
        if "Ref" in node:
            return self.values[node["Ref"]]
        if "Fn::ImportValue" in node:
            return self.imports[self(node["Fn::ImportValue"])]
        if "Fn::GetAtt" in node:
            return self.attributes[".".join(node["Fn::GetAtt"])]
        return {k: self(v) for k, v in node.items()}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def allowed(statements: list[dict], request: Request) -> bool:
    context = dict(request.context)
    for statement in statements:
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatch.fnmatchcase(request.action, a) for a in _list(statement["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(request.resource, r) for r in _list(statement["Resource"])):
            continue
        ok = True
        for operator, conditions in statement.get("Condition", {}).items():
            for key, patterns in conditions.items():
                if key not in context:
                    continue  # a key we cannot know here (kms:ViaService, aws:SourceArn)
                if operator == "StringLike":
                    ok &= any(fnmatch.fnmatchcase(context[key], p) for p in _list(patterns))
                else:
                    ok &= context[key] in _list(patterns)
        if ok:
            return True
    return False


def denied(statements: list[dict], calls: list[Call]) -> list[str]:
    """The calls the statements do not allow, one line each (action resource [context])."""
    found = []
    for call in calls:
        for request in requests(call):
            if not allowed(statements, request):
                found.append(f"{request.action} {request.resource} {dict(request.context) or ''}".strip())
    return sorted(set(found))
