"""A local Amazon Athena endpoint for tests: the Athena API, answered by Trino + Glue (moto).

Why: Athena is the production engine and dbt-athena's own code path (its materializations,
its Glue and S3 calls, its result parsing) must run somewhere before production. No AWS is
reachable from the tests, so this process speaks Athena's API (AWS JSON 1.1,
``X-Amz-Target: AmazonAthena.<Operation>``) and runs every query on the suite's Trino server
(catalog ``awsdatacatalog``: the same moto Glue and S3 as the ``hive`` catalog), or, for
Athena's Hive DDL, as the Glue calls Athena makes. The dialect differences are one table in
``athena_dialect.py``.

Point boto3 at it with ``AWS_ENDPOINT_URL_ATHENA`` (boto3's per-service endpoint variable)
while ``AWS_ENDPOINT_URL`` keeps Glue, S3 and STS on moto: dbt-athena and PyAthena build
every client from a boto3 session, so nothing else changes.

Operations: StartQueryExecution, GetQueryExecution, BatchGetQueryExecution, GetQueryResults,
StopQueryExecution, ListQueryExecutions, GetWorkGroup, CreateWorkGroup, ListWorkGroups,
DeleteWorkGroup, GetDataCatalog, ListDataCatalogs, GetDatabase, ListDatabases,
GetTableMetadata, ListTableMetadata.

Query life cycle, as Athena's: StartQueryExecution returns an id at once (QUEUED); a worker
thread runs it (RUNNING) and ends in SUCCEEDED, FAILED (``StateChangeReason`` and
``AthenaError`` in Athena's form: ``ERROR_NAME: message``, category 1 system / 2 user,
Athena's error type numbers) or CANCELLED (StopQueryExecution cancels the Trino query).
GetQueryExecution waits up to ``--settle-ms`` for a running query to finish before answering,
so clients that poll once a second (dbt-athena) do not lose a second per statement; a query
still running after that is reported RUNNING, as Athena would.

Results, as Athena writes them, under the query's output location (the request's, or the
workgroup's; the workgroup's when it enforces its configuration):

* SELECT (DML):   ``{id}.csv`` - header line, every value double-quoted, NULL empty;
* DDL / UTILITY:  ``{id}.txt`` - one line per row, fields tab-separated;
* CTAS / INSERT:  ``{id}-manifest.csv`` - the data files the query wrote.

(Athena's binary ``.metadata`` files are not written: their format is not public and no
client here reads them.) GetQueryResults pages as Athena does: at most 1000 rows a page, the
first page of a SELECT starting with the header row, ``ResultSetMetadata.ColumnInfo`` with
Athena's type names (``varchar``, ``integer``, ``float`` for real, ``array``/``map``/``row``
without their element types, precision/scale apart), values as Athena renders them
(``1.5E10``, ``[a, b]``, ``{k=v}``), ``UpdateCount`` for CTAS/INSERT, no header for DDL.

Test hooks (not Athena API; under ``/_recover/``): ``POST /_recover/faults`` sets fault rules
(a regex over the query text; ``mode`` ``fail`` = the query fails with the given Athena error
before it runs, ``partial`` = a CTAS/INSERT runs and writes its files, then fails without
its table, which is what a failed Athena CTAS can leave behind), ``GET /_recover/queries``
lists every query (id, state, rule, text), ``GET /_recover/calls`` every API operation served
(with its WorkGroup argument), ``GET /_recover/health``.

Run: ``python athena_endpoint.py --port P --trino-port T --aws-endpoint http://moto``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import decimal
import io
import json
import math
import re
import sys
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import boto3
from botocore.exceptions import ClientError

# Run as a script, this folder is sys.path[0], and its trino.py would shadow the trino client.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parents[1]))
from tests.support.athena_dialect import (
    Plan,
    TranslationError,
    hive_pattern,
    hive_type,
    translate,
)

ACCOUNT = "123456789012"  # moto's account
# CTAS/INSERT: one writer for all partitions, so Trino's limit of 100 open partition writers
# (hive.max-partitions-per-writers) is Athena's limit of 100 partitions per CTAS/INSERT query:
# the HIVE_TOO_MANY_OPEN_PARTITIONS error dbt-athena answers with batched inserts.
WRITE_SESSION = {"use_preferred_write_partitioning": "false", "scale_writers": "false",
                 "task_scale_writers_enabled": "false"}
CATALOG = "awsdatacatalog"
PAGE_MAX = 1000
ENGINE_VERSION = {"SelectedEngineVersion": "AUTO",
                  "EffectiveEngineVersion": "Athena engine version 3"}


class ApiError(Exception):
    """An API-level error (HTTP 400), as opposed to a query that FAILED."""

    def __init__(self, code: str, message: str, athena_code: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.athena_code = code, message, athena_code


class QueryFailed(Exception):
    """A query that ends FAILED: Athena's error name, message, category and type."""

    def __init__(self, name: str, message: str, category: int = 2, type_: int = 1000,
                 retryable: bool = False) -> None:
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message
        self.category, self.type_, self.retryable = category, type_, retryable

    @property
    def reason(self) -> str:
        return f"{self.name}: {self.message}" if self.name else self.message


def athena_error_for_trino(error_name: str, error_type: str) -> tuple[int, int]:
    """Trino error (name, type) -> Athena (ErrorCategory, ErrorType).

    Athena's catalog: category 1 SYSTEM, 2 USER; types 0-8 resources exhausted, 200 engine
    internal error, 233 Iceberg, 1000 user error, 1001 data error.
    """
    if error_name.startswith("ICEBERG_"):
        return 2, 233
    if error_type == "INSUFFICIENT_RESOURCES":
        return 1, 0
    if error_type == "INTERNAL_ERROR":
        return 1, 200
    if error_name in ("HIVE_BAD_DATA", "HIVE_CURSOR_ERROR", "HIVE_INVALID_PARTITION_VALUE",
                      "INVALID_CAST_ARGUMENT", "DIVISION_BY_ZERO", "INVALID_FUNCTION_ARGUMENT"):
        return 2, 1001
    return 2, 1000


# ---------------------------------------------------------------------------------------------
# Values and types as Athena renders them
# ---------------------------------------------------------------------------------------------


def split_type(sig: str) -> tuple[str, list[str]]:
    """'map(varchar, array(integer))' -> ('map', ['varchar', 'array(integer)'])."""
    sig = sig.strip()
    m = re.match(r"^([a-z ]+?)\s*\((.*)\)(.*)$", sig, re.DOTALL)
    if not m:
        return sig, []
    base, inner, tail = m.group(1), m.group(2), m.group(3).strip()
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return (base + (" " + tail if tail else "")).strip(), parts


def column_info(name: str, trino_type: str) -> dict:
    """ColumnInfo as Athena reports it for a Trino result column."""
    base, params = split_type(trino_type)
    precision, scale = 0, 0
    athena = base
    if base == "varchar":
        precision = int(params[0]) if params else 2147483647
    elif base == "char":
        precision = int(params[0]) if params else 1
    elif base == "decimal":
        precision, scale = int(params[0]), int(params[1])
    elif base in ("timestamp", "time", "timestamp with time zone", "time with time zone"):
        precision = int(params[0]) if params else 3
    elif base == "real":
        athena, precision = "float", 17
    elif base == "double":
        precision = 17
    elif base in ("tinyint", "smallint", "integer", "bigint"):
        precision = {"tinyint": 3, "smallint": 5, "integer": 10, "bigint": 19}[base]
    elif base == "varbinary":
        precision = 1073741824
    return {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name,
            "Label": name, "Type": athena, "Precision": precision, "Scale": scale,
            "Nullable": "UNKNOWN", "CaseSensitive": base in ("varchar", "char")}


def java_double(value: float) -> str:
    """Java's Double.toString (what Athena prints): '1.5', '1.0E10', '1.0E-4'."""
    if math.isnan(value):
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(float(value))  # plain decimal in this range, shortest round-trip digits
        return text if "." in text else text + ".0"
    sign, digits, exp = decimal.Decimal(repr(float(value))).as_tuple()
    exponent = len(digits) - 1 + exp
    text = "".join(map(str, digits)).rstrip("0") or "0"
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{exponent}"


def render(trino_type: str, value) -> str | None:
    """A Trino JSON-protocol value (legacy primitive types) as Athena's text."""
    if value is None:
        return None
    base, params = split_type(trino_type)
    if base == "array":
        return "[" + ", ".join(_nested(params[0], v) for v in value) + "]"
    if base == "map":
        return "{" + ", ".join(f"{_nested(params[0], k)}={_nested(params[1], v)}"
                               for k, v in value.items()) + "}"
    if base == "row":
        fields = []
        for i, p in enumerate(params):
            fname, _, ftype = p.partition(" ")
            if not ftype:
                fname, ftype = f"field{i}", p
            fields.append(f"{fname.strip(chr(34))}={_nested(ftype, value[i])}")
        return "{" + ", ".join(fields) + "}"
    if base in ("double", "real"):
        return java_double(float(value)) if not isinstance(value, str) else value
    if base == "boolean":
        return "true" if value else "false"
    if base == "varbinary":
        raw = base64.b64decode(value) if isinstance(value, str) else bytes(value)
        return " ".join(f"{b:02x}" for b in raw)
    if base == "json":
        return value if isinstance(value, str) else json.dumps(value)
    return str(value)


def _nested(trino_type: str, value) -> str:
    text = render(trino_type, value)
    return "null" if text is None else text


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------


@dataclass
class Query:
    id: str
    sql: str
    catalog: str
    database: str | None
    workgroup: str
    output_dir: str | None  # s3://bucket/prefix/ (with the trailing slash)
    submitted: float = field(default_factory=time.time)
    state: str = "QUEUED"
    plan: Plan | None = None
    statement_type: str = "DML"
    substatement_type: str | None = None
    reason: str | None = None
    error: QueryFailed | None = None
    completed: float | None = None
    started: float | None = None
    columns: list[dict] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    update_count: int = 0
    scanned: int = 0
    result_file: str | None = None
    manifest: str | None = None
    manifest_files: list[str] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    cursor: object | None = None
    cancelled: bool = False
    engine_s: float = 0.0  # time spent waiting for Trino

    def describe(self) -> dict:
        status: dict = {"State": self.state, "SubmissionDateTime": self.submitted}
        if self.completed is not None:
            status["CompletionDateTime"] = self.completed
        if self.reason is not None:
            status["StateChangeReason"] = self.reason
        if self.error is not None:
            status["AthenaError"] = {"ErrorCategory": self.error.category,
                                     "ErrorType": self.error.type_,
                                     "Retryable": self.error.retryable,
                                     "ErrorMessage": self.error.reason}
        end = self.completed or time.time()
        engine_ms = int((end - (self.started or end)) * 1000)
        queue_ms = int(((self.started or end) - self.submitted) * 1000)
        out = {
            "QueryExecutionId": self.id,
            "Query": self.sql,
            "StatementType": self.statement_type,
            "QueryExecutionContext": {"Catalog": self.catalog,
                                      **({"Database": self.database} if self.database else {})},
            "Status": status,
            "Statistics": {"EngineExecutionTimeInMillis": engine_ms,
                           "DataScannedInBytes": self.scanned,
                           "TotalExecutionTimeInMillis": engine_ms + queue_ms,
                           "QueryQueueTimeInMillis": queue_ms,
                           "ServicePreProcessingTimeInMillis": 0,
                           "QueryPlanningTimeInMillis": 0,
                           "ServiceProcessingTimeInMillis": 0,
                           "ResultReuseInformation": {"ReusedPreviousResult": False}},
            "WorkGroup": self.workgroup,
            "EngineVersion": ENGINE_VERSION,
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
        }
        if self.substatement_type:
            out["SubstatementType"] = self.substatement_type
        if self.output_dir:
            ext = "csv" if self.statement_type == "DML" else "txt"
            out["ResultConfiguration"] = {"OutputLocation": f"{self.output_dir}{self.id}.{ext}"}
            if self.manifest:
                out["Statistics"]["DataManifestLocation"] = self.manifest
        return out


@dataclass
class Fault:
    match: re.Pattern
    mode: str  # fail | partial
    error_name: str
    message: str
    times: int
    category: int
    type_: int


class Endpoint:
    def __init__(self, trino_host: str, trino_port: int, aws_endpoint: str, region: str,
                 settle_s: float, workers: int) -> None:
        self.trino_host, self.trino_port = trino_host, trino_port
        self.region = region
        self.settle_s = settle_s
        session = boto3.session.Session(aws_access_key_id="testing",
                                        aws_secret_access_key="testing", region_name=region)
        self.glue = session.client("glue", endpoint_url=aws_endpoint)
        self.s3 = session.client("s3", endpoint_url=aws_endpoint)
        self.queries: dict[str, Query] = {}
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="athena-query")
        self.faults: list[Fault] = []
        self.calls: list[dict] = []  # every API operation served (GET /_recover/calls)
        self.workgroups: dict[str, dict] = {
            "primary": {"Name": "primary", "State": "ENABLED", "Description": "",
                        "Configuration": {"EnforceWorkGroupConfiguration": False,
                                          "PublishCloudWatchMetricsEnabled": False,
                                          "RequesterPaysEnabled": False,
                                          "EngineVersion": ENGINE_VERSION},
                        "CreationTime": time.time()}}

    # -- API operations -----------------------------------------------------------------------

    def StartQueryExecution(self, req: dict) -> dict:
        sql = req.get("QueryString")
        if not sql or not sql.strip():
            raise ApiError("InvalidRequestException", "QueryString is required")
        wg_name = req.get("WorkGroup") or "primary"
        wg = self._workgroup(wg_name)
        if wg.get("State") == "DISABLED":
            raise ApiError("InvalidRequestException", f"WorkGroup {wg_name} is disabled.")
        config = wg.get("Configuration", {})
        enforced = config.get("EnforceWorkGroupConfiguration", False)
        wg_output = config.get("ResultConfiguration", {}).get("OutputLocation")
        client_output = (req.get("ResultConfiguration") or {}).get("OutputLocation")
        output = wg_output if (enforced and wg_output) else (client_output or wg_output)
        if not output:
            raise ApiError("InvalidRequestException",
                           "Unable to verify/create output bucket: no output location provided. "
                           "An output location is required either through the Workgroup result "
                           "configuration setting or as an API input.")
        if not output.startswith("s3://"):
            raise ApiError("InvalidRequestException", f"Invalid output location {output}")
        ctx = req.get("QueryExecutionContext") or {}
        catalog = (ctx.get("Catalog") or CATALOG).lower()
        if catalog != CATALOG:
            raise ApiError("InvalidRequestException",
                           f"Catalog {catalog} is not found (this endpoint serves {CATALOG})")
        q = Query(id=str(uuid.uuid4()), sql=sql, catalog=catalog, database=ctx.get("Database"),
                  workgroup=wg_name, output_dir=output.rstrip("/") + "/")
        try:
            q.plan = translate(sql, catalog, q.database)
            q.statement_type = q.plan.statement_type
            q.substatement_type = q.plan.substatement_type
        except TranslationError:
            q.plan = None  # reported as a FAILED query, as Athena reports syntax errors
        if q.plan is not None and q.plan.rule == "ctas" and enforced and wg_output \
                and q.plan.ctas_location:
            raise ApiError("InvalidRequestException",
                           "The Create Table As Select query failed because it was submitted "
                           "with an 'external_location' property to an Athena Workgroup that "
                           "enforces a centralized output location for all queries. Please "
                           "remove the 'external_location' property and resubmit the query.")
        with self.lock:
            self.queries[q.id] = q
        self.pool.submit(self._run, q)
        return {"QueryExecutionId": q.id}

    def GetQueryExecution(self, req: dict) -> dict:
        q = self._query(req.get("QueryExecutionId"))
        q.done.wait(self.settle_s)
        return {"QueryExecution": q.describe()}

    def BatchGetQueryExecution(self, req: dict) -> dict:
        found, missing = [], []
        for qid in req.get("QueryExecutionIds", []):
            q = self.queries.get(qid)
            (found.append(q.describe()) if q else missing.append(
                {"QueryExecutionId": qid, "ErrorCode": "InvalidRequestException",
                 "ErrorMessage": f"QUERY_NOT_FOUND: Query id {qid} not found."}))
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}

    def ListQueryExecutions(self, req: dict) -> dict:
        wg = req.get("WorkGroup") or "primary"
        ids = [q.id for q in sorted(self.queries.values(), key=lambda q: -q.submitted)
               if q.workgroup == wg]
        return {"QueryExecutionIds": ids}

    def GetQueryResults(self, req: dict) -> dict:
        q = self._query(req.get("QueryExecutionId"))
        if q.state in ("QUEUED", "RUNNING"):
            raise ApiError("InvalidRequestException",
                           f"Query has not yet finished. Current state: {q.state}")
        if q.state != "SUCCEEDED":
            raise ApiError("InvalidRequestException",
                           f"{q.reason or 'Query did not finish successfully'}")
        max_results = int(req.get("MaxResults") or PAGE_MAX)
        if not 1 <= max_results <= PAGE_MAX:
            raise ApiError("InvalidRequestException",
                           f"MaxResults must be between 1 and {PAGE_MAX}")
        header = q.statement_type == "DML" and q.substatement_type in ("SELECT", None) \
            and q.columns
        lines = ([[c["Name"] for c in q.columns]] if header else []) + q.rows
        start = 0
        if req.get("NextToken"):
            try:
                start = int(base64.b64decode(req["NextToken"]).decode().split(":")[1])
            except Exception as e:
                raise ApiError("InvalidRequestException", "Invalid NextToken") from e
        page = lines[start:start + max_results]
        out: dict = {
            "UpdateCount": q.update_count,
            "ResultSet": {
                "Rows": [{"Data": [({"VarCharValue": v} if v is not None else {}) for v in row]}
                         for row in page],
                "ResultSetMetadata": {"ColumnInfo": q.columns},
            },
        }
        if start + max_results < len(lines):
            token = f"{q.id}:{start + max_results}"
            out["NextToken"] = base64.b64encode(token.encode()).decode()
        return out

    def StopQueryExecution(self, req: dict) -> dict:
        q = self._query(req.get("QueryExecutionId"))
        if q.state in ("QUEUED", "RUNNING"):
            q.cancelled = True
            cursor = q.cursor
            if cursor is not None:
                with contextlib.suppress(Exception):  # it may have finished meanwhile
                    cursor.cancel()
            self._finish(q, "CANCELLED", reason="Query cancelled by user")
        return {}

    def GetWorkGroup(self, req: dict) -> dict:
        return {"WorkGroup": self._workgroup(req.get("WorkGroup"))}

    def CreateWorkGroup(self, req: dict) -> dict:
        name = req.get("Name")
        if not name or not re.fullmatch(r"[a-zA-Z0-9._-]{1,128}", name):
            raise ApiError("InvalidRequestException", f"Invalid workgroup name {name!r}")
        if name in self.workgroups:
            raise ApiError("InvalidRequestException", f"WorkGroup {name} is already created")
        config = dict(req.get("Configuration") or {})
        config.setdefault("EnforceWorkGroupConfiguration", True)  # Athena's default
        config.setdefault("PublishCloudWatchMetricsEnabled", True)
        config.setdefault("RequesterPaysEnabled", False)
        config["EngineVersion"] = ENGINE_VERSION
        self.workgroups[name] = {"Name": name, "State": "ENABLED",
                                 "Description": req.get("Description", ""),
                                 "Configuration": config, "CreationTime": time.time()}
        return {}

    def DeleteWorkGroup(self, req: dict) -> dict:
        name = req.get("WorkGroup")
        if name == "primary":
            raise ApiError("InvalidRequestException", "The primary workgroup cannot be deleted")
        self._workgroup(name)
        del self.workgroups[name]
        return {}

    def ListWorkGroups(self, req: dict) -> dict:
        return {"WorkGroups": [{"Name": w["Name"], "State": w["State"],
                                "Description": w["Description"],
                                "CreationTime": w["CreationTime"],
                                "EngineVersion": ENGINE_VERSION}
                               for w in self.workgroups.values()]}

    def GetDataCatalog(self, req: dict) -> dict:
        name = (req.get("Name") or "").lower()
        if name != CATALOG:
            raise ApiError("InvalidRequestException", f"Catalog {req.get('Name')} is not found",
                           "CATALOG_NOT_FOUND")
        return {"DataCatalog": self._catalog()}

    def ListDataCatalogs(self, req: dict) -> dict:
        return {"DataCatalogsSummary": [{"CatalogName": CATALOG, "Type": "GLUE"}]}

    def GetDatabase(self, req: dict) -> dict:
        self._check_catalog(req.get("CatalogName"))
        db = self._glue(self.glue.get_database, Name=req.get("DatabaseName"))["Database"]
        return {"Database": self._database(db)}

    def ListDatabases(self, req: dict) -> dict:
        self._check_catalog(req.get("CatalogName"))
        dbs = self.glue.get_paginator("get_databases").paginate().build_full_result()
        return {"DatabaseList": [self._database(d) for d in dbs["DatabaseList"]]}

    def GetTableMetadata(self, req: dict) -> dict:
        self._check_catalog(req.get("CatalogName"))
        t = self._glue(self.glue.get_table, DatabaseName=req.get("DatabaseName"),
                       Name=req.get("TableName"))["Table"]
        return {"TableMetadata": self._table_metadata(t)}

    def ListTableMetadata(self, req: dict) -> dict:
        self._check_catalog(req.get("CatalogName"))
        tables = self._glue(self.glue.get_paginator("get_tables").paginate(
            DatabaseName=req.get("DatabaseName")).build_full_result)["TableList"]
        match = hive_pattern(req.get("Expression"))
        tables = [t for t in tables if match(t["Name"])]
        start = int(req.get("NextToken") or 0)
        size = int(req.get("MaxResults") or 50)
        out = {"TableMetadataList": [self._table_metadata(t) for t in tables[start:start + size]]}
        if start + size < len(tables):
            out["NextToken"] = str(start + size)
        return out

    # -- helpers ------------------------------------------------------------------------------

    def _query(self, qid: str | None) -> Query:
        q = self.queries.get(qid or "")
        if q is None:
            raise ApiError("InvalidRequestException", f"QUERY_NOT_FOUND: Query id {qid} not found.",
                           "INVALID_INPUT")
        return q

    def _workgroup(self, name: str | None) -> dict:
        wg = self.workgroups.get(name or "")
        if wg is None:
            raise ApiError("InvalidRequestException", f"WorkGroup {name} is not found.")
        return wg

    def _catalog(self) -> dict:
        return {"Name": CATALOG, "Description": "AWS Glue Data Catalog", "Type": "GLUE",
                "Parameters": {"catalog-id": ACCOUNT}}

    def _check_catalog(self, name: str | None) -> None:
        if (name or "").lower() != CATALOG:
            raise ApiError("MetadataException", f"Catalog {name} is not found")

    @staticmethod
    def _database(db: dict) -> dict:
        return {"Name": db["Name"], "Description": db.get("Description", ""),
                "Parameters": db.get("Parameters", {})}

    @staticmethod
    def _table_metadata(t: dict) -> dict:
        def cols(cs):
            return [{"Name": c["Name"], "Type": c["Type"],
                     **({"Comment": c["Comment"]} if c.get("Comment") else {})} for c in cs]

        sd = t.get("StorageDescriptor", {})
        params = dict(t.get("Parameters", {}))
        if sd.get("Location"):
            params.setdefault("location", sd["Location"])
        return {"Name": t["Name"], "CreateTime": t.get("CreateTime"),
                "TableType": t.get("TableType", ""), "Columns": cols(sd.get("Columns", [])),
                "PartitionKeys": cols(t.get("PartitionKeys", [])), "Parameters": params}

    def _glue(self, fn, **kwargs):
        try:
            return fn(**kwargs)
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code == "EntityNotFoundException":
                raise ApiError("MetadataException", e.response["Error"]["Message"]) from e
            raise

    # -- running a query ----------------------------------------------------------------------

    def set_faults(self, rules: list[dict]) -> None:
        self.faults = [Fault(match=re.compile(r["match"], re.IGNORECASE | re.DOTALL),
                             mode=r.get("mode", "fail"),
                             error_name=r.get("error_name", "GENERIC_INTERNAL_ERROR"),
                             message=r.get("message", "injected failure"),
                             times=int(r.get("times", 1)), category=int(r.get("category", 1)),
                             type_=int(r.get("type", 200)))
                       for r in rules]

    def _fault_for(self, q: Query) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.times > 0 and f.match.search(q.sql):
                    f.times -= 1
                    return f
        return None

    def _finish(self, q: Query, state: str, reason: str | None = None,
                error: QueryFailed | None = None) -> None:
        with self.lock:
            if q.state in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return
            q.state, q.reason, q.error = state, reason, error
            q.completed = time.time()
        q.done.set()

    def _run(self, q: Query) -> None:
        if q.state != "QUEUED":
            return
        q.state, q.started = "RUNNING", time.time()
        try:
            if q.plan is None:  # re-translate to get the error
                translate(q.sql, q.catalog, q.database)
            fault = self._fault_for(q)
            if fault is not None and fault.mode == "fail":
                raise QueryFailed(fault.error_name, fault.message, fault.category, fault.type_)
            self._execute(q)
            if fault is not None and fault.mode == "partial":
                self._abandon_table(q)
                raise QueryFailed(fault.error_name, fault.message, fault.category, fault.type_)
            if q.cancelled:
                return
            self._write_results(q)
            self._finish(q, "SUCCEEDED")
        except TranslationError as e:
            self._finish(q, "FAILED", e.args[0], QueryFailed(e.error_name, e.message, 2, 1000))
        except QueryFailed as e:
            self._finish(q, "FAILED", e.reason, e)
        except Exception as e:  # noqa: BLE001 - every failure is the query's
            if q.cancelled:
                return
            err = self._classify(e)
            self._finish(q, "FAILED", err.reason, err)

    def _classify(self, e: Exception) -> QueryFailed:
        name = getattr(e, "error_name", None)
        if name:  # TrinoQueryError
            cat, typ = athena_error_for_trino(name, getattr(e, "error_type", "") or "")
            return QueryFailed(name, getattr(e, "message", str(e)), cat, typ)
        if isinstance(e, ClientError):
            err = e.response["Error"]
            return QueryFailed("", f"FAILED: {DDL_TASK} {err['Code']}: {err['Message']}",
                               2, 1003)
        traceback.print_exc()
        return QueryFailed("GENERIC_INTERNAL_ERROR", f"{type(e).__name__}: {e}", 1, 200)

    def _execute(self, q: Query) -> None:
        plan = q.plan
        assert plan is not None
        if plan.action:
            getattr(GlueActions(self.glue), plan.action)(q, **plan.args)
            return
        statements = list(plan.trino)
        if plan.rule == "ctas" and plan.ctas_location is None:
            # Athena: a CTAS without external_location goes to {output}tables/{query id}/
            location = f"{q.output_dir}tables/{q.id}"
            statements = [re.sub(r"\bWITH \(\n", f"WITH (\n  external_location = '{location}',\n",
                                 statements[0], count=1)]
            plan.ctas_location = location
        before = self._data_files_of_insert(q) if plan.rule == "insert" else None
        if plan.rule == "add_partition" and plan.args.get("if_not_exists"):
            statements = [s for s, p in zip(statements, plan.args["partitions"], strict=True)
                          if not self._partition_exists(plan.args, p["spec"])]
        if plan.rule == "drop_partition" and plan.args.get("if_exists"):
            statements = [s for s, spec in zip(statements, plan.args["partitions"], strict=True)
                          if self._partition_exists(plan.args, spec)]
        system = WRITE_SESSION if plan.rule in ("ctas", "insert") else {}
        for sql in statements:
            self._trino(q, sql, plan.session, system)
        if plan.rule == "create_view":
            self._record_view_columns(q, plan.args["database"], plan.args["table"])
        if plan.rule == "ctas":
            q.update_count = int(q.rows[0][0]) if q.rows else 0
            q.columns, q.rows = [], []
            q.manifest_files = self._list(plan.ctas_location)
        elif plan.rule == "insert":
            q.update_count = int(q.rows[0][0]) if q.rows else 0
            q.columns, q.rows = [], []
            after = self._data_files_of_insert(q)
            q.manifest_files = sorted(set(after or []) - set(before or []))
        elif plan.statement_type == "DDL":
            q.columns, q.rows = [], []

    def _trino(self, q: Query, sql: str, session: dict[str, str],
               system: dict[str, str] | None = None) -> None:
        import trino.dbapi

        conn = trino.dbapi.connect(
            host=self.trino_host, port=self.trino_port, user="athena", catalog=q.catalog,
            schema=q.database, source="athena-endpoint", legacy_primitive_types=True,
            session_properties={**(system or {}),
                                **{f"{q.catalog}.{k}": v for k, v in session.items()}},
        )
        try:
            cur = conn.cursor()
            q.cursor = cur
            t0 = time.monotonic()
            deadline = time.monotonic() + 60
            while True:
                try:
                    cur.execute(sql)
                    rows = cur.fetchall()
                    break
                except Exception as e:  # one node on a busy machine: retry its transient error
                    if "NO_NODES_AVAILABLE" not in str(e) or time.monotonic() > deadline:
                        raise
                    time.sleep(1)
            q.engine_s += time.monotonic() - t0
            desc = cur.description or []
            q.columns = [column_info(d[0], d[1]) for d in desc]
            types = [d[1] for d in desc]
            q.rows = [[render(t, v) for t, v in zip(types, r, strict=True)] for r in rows]
            stats = getattr(cur, "stats", None) or {}
            # Athena bills the bytes it reads from S3 (compressed, after column and partition
            # pruning): Trino's physical input, not its processed (decoded) bytes
            q.scanned += int(stats.get("physicalInputBytes", 0) or 0)
        finally:
            q.cursor = None
            conn.close()

    def _record_view_columns(self, q: Query, db: str, view: str) -> None:
        """Athena records a view's columns (Hive types) in Glue; Trino records one ``dummy``.

        The columns are read from the view definition Trino stored in Glue
        (``/* Presto View: <base64 JSON> */``, the format Athena shares), not queried again.
        """
        t = self.glue.get_table(DatabaseName=db, Name=view)["Table"]
        text = t.get("ViewOriginalText", "")
        m = re.match(r"^/\* Presto View: (.*) \*/$", text, re.DOTALL)
        if not m:
            return
        definition = json.loads(base64.b64decode(m.group(1)))
        columns = [{"Name": c["name"].lower(), "Type": hive_type(c["type"])}
                   for c in definition.get("columns", [])]
        t["StorageDescriptor"] = {**t.get("StorageDescriptor", {}), "Columns": columns}
        self.glue.update_table(DatabaseName=db, TableInput={
            k: v for k, v in t.items() if k in GlueActions.TABLE_INPUT_KEYS})

    def _abandon_table(self, q: Query) -> None:
        """Fault ``partial``: keep the files the query wrote, forget its table (Glue)."""
        plan = q.plan
        if plan and plan.ctas_table:
            db, table = plan.ctas_table
            try:
                self.glue.delete_table(DatabaseName=db, Name=table)
            except ClientError:
                pass

    def _partition_exists(self, args: dict, spec: dict) -> bool:
        t = self.glue.get_table(DatabaseName=args["database"], Name=args["table"])["Table"]
        values = [str(spec.get(k["Name"], "")) for k in t.get("PartitionKeys", [])]
        try:
            self.glue.get_partition(DatabaseName=args["database"], TableName=args["table"],
                                    PartitionValues=values)
            return True
        except ClientError:
            return False

    def _data_files_of_insert(self, q: Query) -> list[str] | None:
        args = q.plan.args if q.plan else {}
        if not args.get("table"):
            return None
        try:
            t = self.glue.get_table(DatabaseName=args["database"], Name=args["table"])["Table"]
        except ClientError:
            return None
        location = t.get("StorageDescriptor", {}).get("Location")
        return self._list(location) if location else None

    def _list(self, location: str | None) -> list[str]:
        if not location or not location.startswith("s3://"):
            return []
        u = urlparse(location)
        prefix = u.path.lstrip("/").rstrip("/") + "/"
        keys = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=u.netloc,
                                                                      Prefix=prefix):
            keys += [f"s3://{u.netloc}/{o['Key']}" for o in page.get("Contents", [])]
        return keys

    def _write_results(self, q: Query) -> None:
        """The result files Athena leaves under the output location."""
        if not q.output_dir:
            return
        u = urlparse(q.output_dir)
        bucket, prefix = u.netloc, u.path.lstrip("/")
        files = q.manifest_files
        if files is not None:
            key = f"{prefix}{q.id}-manifest.csv"
            self.s3.put_object(Bucket=bucket, Key=key,
                               Body="".join(f"{f}\n" for f in files).encode())
            q.manifest = f"s3://{bucket}/{key}"
            return
        if q.statement_type == "DML":
            buf = io.StringIO()
            if q.columns:
                buf.write(",".join(_csv(c["Name"]) for c in q.columns) + "\n")
            for row in q.rows:
                buf.write(",".join("" if v is None else _csv(v) for v in row) + "\n")
            self.s3.put_object(Bucket=bucket, Key=f"{prefix}{q.id}.csv",
                               Body=buf.getvalue().encode())
        else:
            body = "".join("\t".join("" if v is None else v for v in row) + "\n" for row in q.rows)
            self.s3.put_object(Bucket=bucket, Key=f"{prefix}{q.id}.txt", Body=body.encode())


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------
# Athena's Hive DDL as Glue calls
# ---------------------------------------------------------------------------------------------


# Glue's error codes, and the Athena (Hive DDL) messages they become
NOT_FOUND, EXISTS = "EntityNotFoundException", "AlreadyExistsException"
DDL_TASK = "Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask."


def _no_table(database: str, table: str) -> str:
    return f"SemanticException [Error 10001]: Table not found {database}.{table}"


def _no_database(database: str) -> str:
    return f"SemanticException [Error 10072]: Database does not exist: {database}"


class GlueActions:
    """One method per ``Plan.action``: what Athena's Hive DDL does to the Glue catalog."""

    # Table fields GetTable returns that UpdateTable's TableInput accepts
    TABLE_INPUT_KEYS = ("Name", "Description", "Owner", "Retention", "StorageDescriptor",
                        "PartitionKeys", "ViewOriginalText", "ViewExpandedText", "TableType",
                        "Parameters", "TargetTable")

    def __init__(self, glue) -> None:
        self.glue = glue

    def _table(self, db: str, table: str) -> dict:
        return self._glue(self.glue.get_table, {}, {NOT_FOUND: _no_table(db, table)},
                          DatabaseName=db, Name=table)["Table"]

    @staticmethod
    def _glue(call, quiet: dict, errors: dict, **kwargs):
        """`call(**kwargs)`; a Glue error code in `quiet` returns its value instead (IF [NOT]
        EXISTS), one in `errors` fails the query with that Athena message."""
        try:
            return call(**kwargs)
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code in quiet:
                return quiet[code]
            if code in errors:
                raise QueryFailed("", "FAILED: " + errors[code], 2, 1003) from e
            raise

    def _update(self, db: str, table: dict) -> None:
        table_input = {k: v for k, v in table.items() if k in self.TABLE_INPUT_KEYS}
        self.glue.update_table(DatabaseName=db, TableInput=table_input)

    @staticmethod
    def _result(q: Query, name: str, rows: list[str]) -> None:
        q.columns = [{**column_info(name, "varchar"), "Type": "string"}]
        q.rows = [[r] for r in rows]

    def create_database(self, q: Query, name: str, if_not_exists: bool, parameters: dict,
                        description: str | None = None, location: str | None = None) -> None:
        db_input: dict = {"Name": name, "Parameters": parameters}
        if description is not None:
            db_input["Description"] = description
        if location is not None:
            db_input["LocationUri"] = location
        self._glue(self.glue.create_database, {EXISTS: None} if if_not_exists else {},
                   {EXISTS: f"{DDL_TASK} AlreadyExistsException: Database {name} already exists"},
                   DatabaseInput=db_input)

    def drop_database(self, q: Query, name: str, if_exists: bool, cascade: bool) -> None:
        tables = self._glue(
            self.glue.get_paginator("get_tables").paginate(DatabaseName=name).build_full_result,
            {NOT_FOUND: None} if if_exists else {}, {NOT_FOUND: _no_database(name)})
        if tables is None:
            return
        if tables["TableList"] and not cascade:
            raise QueryFailed("", f"FAILED: {DDL_TASK} InvalidOperationException(message:"
                                  f"Database {name} is not empty. One or more tables exist.)",
                              2, 1003)
        for t in tables["TableList"]:
            self.glue.delete_table(DatabaseName=name, Name=t["Name"])
        self.glue.delete_database(Name=name)

    def create_table(self, q: Query, database: str, if_not_exists: bool,
                     table_input: dict) -> None:
        exists = (f"{DDL_TASK} AlreadyExistsException(message:Table {table_input['Name']} "
                  "already exists)")
        self._glue(self.glue.create_table, {EXISTS: None} if if_not_exists else {},
                   {EXISTS: exists, NOT_FOUND: _no_database(database)},
                   DatabaseName=database, TableInput=table_input)

    def drop_table(self, q: Query, database: str, table: str, if_exists: bool) -> None:
        self._glue(self.glue.delete_table, {NOT_FOUND: None} if if_exists else {},
                   {NOT_FOUND: _no_table(database, table)}, DatabaseName=database, Name=table)

    def set_tblproperties(self, q: Query, database: str, table: str, properties: dict) -> None:
        t = self._table(database, table)
        t["Parameters"] = {**t.get("Parameters", {}), **properties}
        self._update(database, t)

    def add_columns(self, q: Query, database: str, table: str, columns: list[dict]) -> None:
        t = self._table(database, table)
        sd = t["StorageDescriptor"]
        existing = {c["Name"] for c in sd.get("Columns", []) + t.get("PartitionKeys", [])}
        dup = [c["Name"] for c in columns if c["Name"] in existing]
        if dup:
            raise QueryFailed("", f"FAILED: SemanticException [Error 10036]: Duplicate column "
                                  f"name: {dup[0]}", 2, 1003)
        sd["Columns"] = sd.get("Columns", []) + columns
        self._update(database, t)

    def replace_columns(self, q: Query, database: str, table: str, columns: list[dict]) -> None:
        t = self._table(database, table)
        t["StorageDescriptor"]["Columns"] = columns
        self._update(database, t)

    def change_column(self, q: Query, database: str, table: str, old: str, column: dict) -> None:
        t = self._table(database, table)
        cols = t["StorageDescriptor"].get("Columns", [])
        for i, c in enumerate(cols):
            if c["Name"] == old:
                cols[i] = {**c, **column}
                break
        else:
            raise QueryFailed("", f"FAILED: SemanticException [Error 10002]: Invalid column "
                                  f"reference {old}", 2, 1003)
        self._update(database, t)

    def show_databases(self, q: Query, pattern: str | None) -> None:
        match = hive_pattern(pattern)
        dbs = self.glue.get_paginator("get_databases").paginate().build_full_result()
        self._result(q, "database_name",
                     sorted(d["Name"] for d in dbs["DatabaseList"] if match(d["Name"])))

    def show_tables(self, q: Query, database: str, pattern: str | None) -> None:
        match = hive_pattern(pattern)
        pages = self.glue.get_paginator("get_tables").paginate(DatabaseName=database)
        tables = self._glue(pages.build_full_result, {}, {NOT_FOUND: _no_database(database)})
        self._result(q, "tab_name",
                     sorted(t["Name"] for t in tables["TableList"] if match(t["Name"])))

    def show_partitions(self, q: Query, database: str, table: str) -> None:
        t = self._table(database, table)
        keys = [k["Name"] for k in t.get("PartitionKeys", [])]
        if not keys:
            raise QueryFailed("", f"FAILED: {DDL_TASK} Table {table} is not a partitioned table",
                              2, 1003)
        parts = self.glue.get_paginator("get_partitions").paginate(
            DatabaseName=database, TableName=table).build_full_result()["Partitions"]
        self._result(q, "partition", sorted("/".join(f"{k}={v}" for k, v in zip(
            keys, p["Values"], strict=True)) for p in parts))

    def show_columns(self, q: Query, database: str, table: str) -> None:
        t = self._table(database, table)
        cols = t["StorageDescriptor"].get("Columns", []) + t.get("PartitionKeys", [])
        self._result(q, "field", [c["Name"] for c in cols])

    def show_tblproperties(self, q: Query, database: str, table: str) -> None:
        t = self._table(database, table)
        self._result(q, "prpt_name", [f"{k}\t{v}" for k, v in sorted(t.get("Parameters",
                                                                          {}).items())])

    def describe(self, q: Query, database: str, table: str) -> None:
        t = self._table(database, table)

        def line(c: dict) -> str:
            return f"{c['Name']:<20}\t{c['Type']:<20}\t{c.get('Comment', ''):<20}"

        rows = [line(c) for c in t["StorageDescriptor"].get("Columns", [])]
        keys = t.get("PartitionKeys", [])
        rows += [line(c) for c in keys]
        if keys:
            rows += ["\t \t ", "# Partition Information\t \t ",
                     f"{'# col_name':<20}\t{'data_type':<20}\t{'comment':<20}", "\t \t "]
            rows += [line(c) for c in keys]
        self._result(q, "col_name", rows)


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


def _jsonable(obj):
    if isinstance(obj, dt.datetime):
        return obj.timestamp()
    raise TypeError(type(obj).__name__)


def make_handler(endpoint: Endpoint):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def _reply(self, status: int, body: dict | list) -> None:
            data = json.dumps(body, default=_jsonable).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/_recover/health":
                return self._reply(200, {"ok": True})
            if self.path == "/_recover/calls":
                return self._reply(200, endpoint.calls)
            if self.path == "/_recover/queries":
                return self._reply(200, [
                    {"id": q.id, "state": q.state, "rule": q.plan.rule if q.plan else None,
                     "reason": q.reason, "query": q.sql, "workgroup": q.workgroup,
                     "submitted": q.submitted, "started": q.started, "completed": q.completed,
                     "engine_s": q.engine_s}
                    for q in sorted(endpoint.queries.values(), key=lambda q: q.submitted)])
            return self._reply(404, {"message": "not found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            try:
                req = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                return self._reply(400, {"__type": "InvalidRequestException",
                                         "Message": "request body is not JSON"})
            if self.path == "/_recover/faults":
                endpoint.set_faults(req.get("rules", []))
                return self._reply(200, {"ok": True})
            target = self.headers.get("X-Amz-Target", "")
            service, _, op = target.partition(".")
            if service != "AmazonAthena" or not hasattr(endpoint, op) or not op[:1].isupper():
                return self._reply(400, {"__type": "UnknownOperationException",
                                         "message": f"Operation {target} is not supported by "
                                                    "the test Athena endpoint"})
            with endpoint.lock:
                endpoint.calls.append({"operation": op, "workgroup": req.get("WorkGroup")})
            try:
                return self._reply(200, getattr(endpoint, op)(req))
            except ApiError as e:
                body = {"__type": e.code, "Message": e.message}
                if e.athena_code:
                    body["AthenaErrorCode"] = e.athena_code
                return self._reply(400, body)
            except Exception as e:  # noqa: BLE001
                traceback.print_exc()
                return self._reply(500, {"__type": "InternalServerException", "Message": str(e)})

    return Handler


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--trino-port", type=int, required=True)
    ap.add_argument("--trino-host", default="127.0.0.1")
    ap.add_argument("--aws-endpoint", required=True, help="moto (Glue + S3)")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--settle-ms", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=8)
    args = ap.parse_args(argv)
    endpoint = Endpoint(args.trino_host, args.trino_port, args.aws_endpoint, args.region,
                        args.settle_ms / 1000, args.workers)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(endpoint))
    server.daemon_threads = True
    print(f"athena endpoint on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
