"""The Athena tier's fixture: a local Athena endpoint (athena_endpoint.py) on the suite's Trino.

One endpoint process per pytest process, started on first use and reusing the ONE Trino +
moto of ``tests/support/trino.py`` (the ``trino`` fixture): Athena queries run on that Trino
(catalog ``awsdatacatalog``), Glue and S3 calls go to that moto. Processes started with
``ATHENA.env()`` reach Athena through ``AWS_ENDPOINT_URL_ATHENA`` and everything else (Glue,
S3, STS) through ``AWS_ENDPOINT_URL``, both honoured by boto3 (so by dbt-athena, PyAthena
and awswrangler).

Use from tests marked ``@pytest.mark.athena``::

    pytest_plugins = ["tests.support.trino", "tests.support.athena"]

    def test_x(athena):
        athena.client().start_query_execution(...)
        athena.query("SELECT 1")            # -> rows, through the Athena API
        athena.set_faults([...])           # inject failures (see athena_endpoint.py)

Without Trino the fixture skips (or fails under ``RECOVER_REQUIRE_TRINO=1``), as the
``trino`` fixture does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.moto_server import CREDENTIALS, REGION, free_port
from tests.support.trino import TrinoEnv, _die_with_parent, _kill_group

ENDPOINT_SCRIPT = Path(__file__).with_name("athena_endpoint.py")
ROOT = Path(__file__).resolve().parents[2]


class AthenaEndpoint:
    def __init__(self, trino: TrinoEnv, log_path: Path) -> None:
        self.trino = trino
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> AthenaEndpoint:
        cmd = [sys.executable, str(ENDPOINT_SCRIPT), "--port", str(self.port),
               "--trino-port", str(self.trino.port), "--aws-endpoint", self.trino.moto.endpoint,
               "--region", REGION]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(_die_with_parent(cmd), stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"athena endpoint exited: {self.log_tail()}")
            try:
                urllib.request.urlopen(f"{self.url}/_recover/health", timeout=2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"athena endpoint did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        _kill_group(self.proc, 5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def env(self) -> dict[str, str]:
        """Environment for a child process (dbt, recover, pytest helpers)."""
        return {**self.trino.moto.env(), "AWS_ENDPOINT_URL_ATHENA": self.url}

    def create_workgroups(self, ns: str) -> None:
        """The namespace's two workgroups, configured as deploy/template.yaml declares them."""
        from cfnlint.decode import decode

        template, problems = decode(str(ROOT / "deploy" / "template.yaml"))
        if problems:
            raise RuntimeError(f"deploy/template.yaml: {problems}")

        def sub(value):
            """!Sub with the namespace and the data bucket (imported from the shared stack)."""
            if isinstance(value, dict) and "Fn::Sub" in value:
                text = value["Fn::Sub"]
                text = text[0] if isinstance(text, list) else text
                for name in ("${Data}", "${DataBucketName}"):
                    text = text.replace(name, self.trino.bucket)
                return text.replace("${Namespace}", ns)
            if isinstance(value, dict):
                return {k: sub(v) for k, v in value.items()}
            return value

        client = self.client()
        for resource in template["Resources"].values():
            if resource["Type"] != "AWS::Athena::WorkGroup":
                continue
            props = sub(resource["Properties"])
            config = props["WorkGroupConfiguration"]
            client.create_work_group(
                Name=props["Name"], Description=props.get("Description", ""),
                Configuration={
                    "ResultConfiguration": {"OutputLocation":
                                            config["ResultConfiguration"]["OutputLocation"]},
                    "EnforceWorkGroupConfiguration": config["EnforceWorkGroupConfiguration"],
                    "PublishCloudWatchMetricsEnabled": config["PublishCloudWatchMetricsEnabled"]})

    def build_env(self, ns: str) -> dict[str, str]:
        """Environment of `recover build --target namespace|prod` for namespace ``ns``."""
        return {**os.environ, **self.env(), "DBT_PROFILES_DIR": str(ROOT / "profiles"),
                "RECOVER_NAMESPACE": ns, "RECOVER_BUCKET": self.trino.bucket,
                "RECOVER_DBT_WORKGROUP": f"recover-{ns}-dbt"}

    def client(self, service: str = "athena"):
        import boto3

        return boto3.client(service, endpoint_url=self.url if service == "athena"
                            else self.trino.moto.endpoint, region_name=REGION,
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def _post(self, path: str, body: dict) -> dict:
        req = urllib.request.Request(f"{self.url}{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def set_faults(self, rules: list[dict]) -> None:
        """Fault rules: ``{"match": regex, "mode": "fail"|"partial", "error_name": ...,
        "message": ..., "times": n}``; an empty list clears them."""
        self._post("/_recover/faults", {"rules": rules})

    def calls(self) -> list[dict]:
        """Every API operation the endpoint served: ``{"operation", "workgroup"}``."""
        with urllib.request.urlopen(f"{self.url}/_recover/calls", timeout=10) as resp:
            return json.loads(resp.read())

    def queries(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/_recover/queries", timeout=10) as resp:
            return json.loads(resp.read())

    def run(self, sql: str, database: str | None = None, workgroup: str = "primary",
            output: str | None = None, timeout: float = 300) -> dict:
        """Run one query through the Athena API and wait: the final QueryExecution."""
        athena = self.client()
        kwargs: dict = {"QueryString": sql, "WorkGroup": workgroup,
                        "QueryExecutionContext": {"Catalog": "awsdatacatalog",
                                                  **({"Database": database} if database else {})}}
        if output:
            kwargs["ResultConfiguration"] = {"OutputLocation": output}
        qid = athena.start_query_execution(**kwargs)["QueryExecutionId"]
        deadline = time.monotonic() + timeout
        while True:
            qe = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
            if qe["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return qe
            if time.monotonic() > deadline:
                raise TimeoutError(f"query {qid} still {qe['Status']['State']}")
            time.sleep(0.1)

    def query(self, sql: str, database: str | None = None, output: str | None = None,
              workgroup: str | None = None) -> list:
        """Rows (Python values, PyAthena's conversion) of one statement; raises on failure.

        ``workgroup``: run there (an enforced workgroup supplies the output location);
        otherwise ``primary`` with ``output`` (default ``s3://{bucket}/athena-results/``)."""
        from pyathena import connect

        staging = None if workgroup else (output or f"s3://{self.trino.bucket}/athena-results/")
        conn = connect(s3_staging_dir=staging, work_group=workgroup,
                       region_name=REGION, schema_name=database or "default",
                       endpoint_url=self.url,
                       aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                       poll_interval=0.1)
        try:
            cur = conn.cursor()
            cur.execute(sql)
            return [list(r) for r in cur.fetchall()]
        finally:
            conn.close()


_endpoint: AthenaEndpoint | None = None


@pytest.fixture(scope="session")
def athena(trino: TrinoEnv) -> Iterator[AthenaEndpoint]:
    """Session-wide Athena endpoint on the shared Trino + moto."""
    global _endpoint
    if _endpoint is None:
        _endpoint = AthenaEndpoint(trino, trino.root / "athena-endpoint.log").start()
    try:
        yield _endpoint
    finally:
        if _endpoint is not None:
            _endpoint.stop()
            _endpoint = None
