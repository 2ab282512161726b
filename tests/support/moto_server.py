"""A real moto server for the AWS tests: one `moto_server` process per test session.

The tests talk to it over HTTP exactly as the code talks to AWS: boto3 and awswrangler both
honour AWS_ENDPOINT_URL, which the `aws` fixture sets (with dummy credentials and a region)
for the duration of one test only, so nothing leaks into other tests or the processes they
start. Each test starts from an empty server (moto's reset API). No in-process `mock_aws`.

Use in a test module:

    pytest_plugins = ["tests.support.moto_server"]  # the moto_server and aws fixtures
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REGION = "us-east-1"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """`moto_server` on 127.0.0.1 and a free port, in its own process group.

    `glue_shim=True` runs moto_glue.py instead: the same server with the Glue actions Trino's
    metastore client needs (see that file). `wrap` lets a caller prefix the command (the Trino
    harness makes it die with its parent).
    """

    def __init__(self, log_path: Path, glue_shim: bool = False, wrap=None) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.glue_shim = glue_shim
        # moto_glue.py appends every Glue/STS action it serves here (see actions())
        self.actions_path = log_path.with_name(log_path.stem + ".actions.tsv")
        self.wrap = wrap or (lambda cmd: cmd)
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        if self.glue_shim:
            return [sys.executable, str(Path(__file__).with_name("moto_glue.py")), str(self.port),
                    str(self.actions_path)]
        executable = Path(sys.executable).with_name("moto_server")
        return [str(executable), "-H", "127.0.0.1", "-p", str(self.port)]

    def client(self, service: str):
        """A boto3 client on this server (dummy credentials)."""
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def start(self, timeout: float = 60.0) -> MotoServer:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                self.wrap(self.command()),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited: {self.log_path.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"moto_server did not answer within {timeout:.0f} s")

    def actions(self) -> list[tuple[str, str, str]]:
        """(service, Action, client) of every Glue/STS call so far (``glue_shim`` servers)."""
        try:
            lines = self.actions_path.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [tuple(line.split("\t")) for line in lines if line.count("\t") == 2]

    def reset(self) -> None:
        """Forget every bucket, object, upload and Glue database."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def env(self) -> dict[str, str]:
        """Environment that points boto3, awswrangler and child processes at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            **CREDENTIALS,
        }

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """An empty moto server, and this test's environment pointed at it."""
    moto_server.reset()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in moto_server.env().items():
        monkeypatch.setenv(name, value)
    return moto_server
