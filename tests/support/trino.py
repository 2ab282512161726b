"""A real, throw-away Trino server for tests of the Athena (engine v3 = Trino) SQL.

Why: the curated SQL runs on Amazon Athena, which no test here can reach. Athena v3 is
Trino, so the tests run the same SQL on a local Trino server that the suite starts and
stops itself. ``scripts/fetch_trino.sh`` downloads and caches the pinned Trino release;
this module starts it with Java 25 on a free 127.0.0.1 port, with a ``hive`` catalog
over a local lake directory, waits until it answers ``SELECT 1``, and kills its process
group at the end.

The ``hive`` catalog uses Trino's *file* metastore on the native local file system, not
Glue: Trino's Glue client cannot run against moto (see ``hive_file_catalog``).

Use from tests (tests marked ``@pytest.mark.trino``)::

    def test_x(trino_server):          # session-scoped fixture below
        trino_server.query("SELECT 1")
        trino_server.lake              # Path of the lake directory (file:// in SQL)

When Java 24+ or the Trino download is unavailable, the fixture skips with a one-line
reason, unless ``RECOVER_REQUIRE_TRINO=1``, in which case it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = REPO / "scripts" / "fetch_trino.sh"
# Trino 476 refuses to start on Java < 24; this JDK is on the developer and CI machines.
DEFAULT_JAVA_HOME = Path("/usr/lib/jvm/temurin-25-jdk-amd64")
MIN_JAVA = 24
STARTUP_TIMEOUT_S = 240
# The machine has 2 cores and 24 GiB shared with dbt, DuckDB and the tests themselves.
HEAP = "3G"
QUERY_MEMORY = "1GB"


class TrinoUnavailable(RuntimeError):
    """Java 24+ or the Trino installation cannot be had: tests skip (or fail if required)."""


def trino_required() -> bool:
    return os.environ.get("RECOVER_REQUIRE_TRINO") == "1"


def find_java_home() -> Path:
    """A JDK that can run Trino: $RECOVER_TRINO_JAVA_HOME, $JAVA_HOME, or Temurin 25."""
    candidates = [os.environ.get("RECOVER_TRINO_JAVA_HOME"), os.environ.get("JAVA_HOME")]
    for cand in [*candidates, str(DEFAULT_JAVA_HOME)]:
        if not cand:
            continue
        java = Path(cand) / "bin" / "java"
        if not java.exists():
            continue
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, check=False
        ).stderr
        m = re.search(r'version "(\d+)', out)
        if m and int(m.group(1)) >= MIN_JAVA:
            return Path(cand)
    raise TrinoUnavailable(f"no Java {MIN_JAVA}+ found (looked in $JAVA_HOME, {DEFAULT_JAVA_HOME})")


def install_trino() -> Path:
    """Run scripts/fetch_trino.sh (instant once cached) and return the install dir."""
    if shutil.which("mvn") is None and not os.environ.get("RECOVER_TRINO_HOME"):
        raise TrinoUnavailable("mvn not found: cannot fetch Trino from Maven Central")
    proc = subprocess.run(
        ["bash", str(FETCH_SCRIPT)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise TrinoUnavailable(f"fetch_trino.sh failed ({proc.returncode}): {last}")
    home = Path(proc.stdout.strip().splitlines()[-1])
    if not (home / "bin" / "launcher").exists():
        raise TrinoUnavailable(f"fetch_trino.sh gave {home}, which has no bin/launcher")
    return home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hive_file_catalog(metastore_dir: Path) -> dict[str, str]:
    """``hive`` catalog: file metastore + Trino's native local file system.

    Locations in SQL are ``file:///abs/path`` (``local.location=/`` maps them 1:1).
    Why not Glue + moto (the production shape): Trino 476's Glue v2 client sends its
    calls to ``hive.metastore.glue.endpoint-url`` and authenticates fine against moto,
    but <see tests/test_trino_harness.py::test_glue_metastore_on_moto for the evidence>.
    """
    return {
        "connector.name": "hive",
        "hive.metastore": "file",
        "hive.metastore.catalog.dir": metastore_dir.as_uri(),
        "fs.native-local.enabled": "true",
        "local.location": "/",
        # The raw zone is external (non-managed) tables; dbt-trino writes curated tables
        # as CTAS into schemas whose location is in the lake.
        "hive.non-managed-table-writes-enabled": "true",
        "hive.non-managed-table-creates-enabled": "true",
        # Athena's CTAS default format is Parquet (Trino's Hive default is ORC).
        "hive.storage-format": "PARQUET",
    }


def _properties(values: dict[str, str]) -> str:
    return "".join(f"{k}={v}\n" for k, v in values.items())


class TrinoServer:
    """One single-node Trino (coordinator that also schedules work on itself)."""

    def __init__(
        self,
        home: Path,
        java_home: Path,
        workdir: Path,
        catalogs: dict[str, dict[str, str]],
    ) -> None:
        self.home, self.java_home, self.workdir = home, java_home, workdir
        self.catalogs = catalogs
        self.port = free_port()
        self.etc = workdir / "etc"
        self.data = workdir / "data"
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None

    # -- configuration -------------------------------------------------------------
    def _write_etc(self) -> None:
        (self.etc / "catalog").mkdir(parents=True, exist_ok=True)
        self.data.mkdir(parents=True, exist_ok=True)
        (self.etc / "config.properties").write_text(
            _properties(
                {
                    "coordinator": "true",
                    "node-scheduler.include-coordinator": "true",
                    "http-server.http.port": str(self.port),
                    "discovery.uri": f"http://127.0.0.1:{self.port}",
                    "query.max-memory": QUERY_MEMORY,
                    "query.max-memory-per-node": QUERY_MEMORY,
                    # 2 cores: keep Trino's thread pools small.
                    "task.concurrency": "2",
                    "task.max-worker-threads": "4",
                }
            )
        )
        (self.etc / "node.properties").write_text(
            _properties(
                {
                    "node.environment": "test",
                    "node.id": str(uuid.uuid4()),
                    "node.internal-address": "127.0.0.1",
                }
            )
        )
        (self.etc / "jvm.config").write_text(
            "\n".join(
                [
                    "-server",
                    f"-Xmx{HEAP}",
                    "-XX:+UseG1GC",
                    "-XX:+ExitOnOutOfMemoryError",
                    "-XX:ReservedCodeCacheSize=256M",
                    "-Djdk.attach.allowAttachSelf=true",
                    "-Dfile.encoding=UTF-8",
                    "-XX:+EnableDynamicAgentLoading",
                ]
            )
            + "\n"
        )
        (self.etc / "log.properties").write_text("io.trino=WARN\n")
        for name, props in self.catalogs.items():
            (self.etc / "catalog" / f"{name}.properties").write_text(_properties(props))

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> TrinoServer:
        self._write_etc()
        cmd = [
            str(self.home / "bin" / "launcher"),
            "run",
            f"--etc-dir={self.etc}",
            f"--data-dir={self.data}",
            f"--jvm-dir={self.java_home}",
        ]
        env = {**os.environ, "JAVA_HOME": str(self.java_home)}
        t0 = time.monotonic()
        with open(self.log_path, "wb") as log:
            # Own session => own process group, so stop() can kill launcher + JVM together.
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        try:
            self._wait_ready(t0 + STARTUP_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def _wait_ready(self, deadline: float) -> None:
        last_err: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"Trino exited with {self.proc.returncode} during startup:\n{self.log_tail()}"
                )
            try:
                if self.query("SELECT 1") == [[1]]:
                    return
            except Exception as e:  # noqa: BLE001 - not up yet, or still initializing
                last_err = e
            time.sleep(1)
        raise TimeoutError(
            f"Trino not ready after {STARTUP_TIMEOUT_S}s ({last_err}):\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    # -- client --------------------------------------------------------------------
    def connect(self, catalog: str = "hive", schema: str | None = None):
        import trino  # the trino client ships with dbt-trino

        return trino.dbapi.connect(
            host="127.0.0.1",
            port=self.port,
            user="test",
            catalog=catalog,
            schema=schema,
            http_scheme="http",
        )

    def query(self, sql: str, catalog: str = "hive", schema: str | None = None) -> list:
        """Run one statement and return all rows (lists)."""
        conn = self.connect(catalog, schema)
        try:
            cur = conn.cursor()
            cur.execute(sql)
            return cur.fetchall()
        finally:
            conn.close()


def start_trino(workdir: Path, lake: Path) -> TrinoServer:
    """Install (cached) and start Trino with a ``hive`` catalog over ``lake``."""
    java_home = find_java_home()
    home = install_trino()
    server = TrinoServer(
        home,
        java_home,
        workdir,
        {"hive": hive_file_catalog(workdir / "metastore")},
    )
    server.lake = lake  # type: ignore[attr-defined]
    return server.start()


@pytest.fixture(scope="session")
def trino_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrinoServer]:
    """Session-wide Trino; the lake directory is ``trino_server.lake``."""
    root = Path(tempfile.mkdtemp(prefix="recover-trino-", dir=tmp_path_factory.getbasetemp()))
    lake = root / "lake"
    lake.mkdir()
    try:
        server = start_trino(root / "server", lake)
    except TrinoUnavailable as e:
        if trino_required():
            pytest.fail(f"Trino required (RECOVER_REQUIRE_TRINO=1) but unavailable: {e}")
        pytest.skip(f"Trino unavailable: {e}")
    try:
        yield server
    finally:
        server.stop()
