"""A real, throw-away Trino server for tests of the Athena (engine v3 = Trino) SQL.

Why: the curated SQL runs on Amazon Athena, which no test here can reach. Athena v3 is
Trino, so the tests run the same SQL on a local Trino server that the suite starts and
stops itself:

* ``scripts/fetch_trino.sh`` downloads the pinned Trino release from Maven Central once
  and caches it (``~/.cache/recover/trino-<ver>`` or ``$RECOVER_TRINO_HOME``);
* a moto server (``moto_glue.py``, its own process) stands in for Glue and S3;
* Trino runs with Java 25 on a free 127.0.0.1 port, a coordinator that also executes
  the work, with a small heap; we wait until it answers ``SELECT 1`` and kill its whole
  process group at the end.

Catalogs (see ``hive_glue_catalog`` / ``hive_file_catalog``):

``hive``       the production shape: Glue metastore (moto) and native S3 (moto); it can
               also read and write the local lake directory through ``local:///`` URIs.
``hive_file``  fallback: Trino's file metastore (its managed tables live in its own
               directory beside the lake); no Glue quirks (e.g. it can RENAME tables),
               no moto.

Use from tests marked ``@pytest.mark.trino``::

    def test_x(trino):                 # session-scoped fixture below
        trino.query("SELECT 1")
        trino.lake                      # local lake directory (Path)
        trino.local_uri(trino.lake / "raw")   # -> 'local:///.../raw' for SQL
        trino.aws("glue")               # boto3 client on the moto server

When Java 24+, Maven, moto or the Trino download is unavailable, the fixture skips with
a one-line reason, unless ``RECOVER_REQUIRE_TRINO=1``, in which case it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.moto_server import MotoServer, free_port

REPO = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = REPO / "scripts" / "fetch_trino.sh"
# Trino 476 refuses to start on Java < 24; this JDK is on the developer and CI machines.
DEFAULT_JAVA_HOME = Path("/usr/lib/jvm/temurin-25-jdk-amd64")
MIN_JAVA = 24
STARTUP_TIMEOUT_S = 240
# The machine has 2 cores and 24 GiB, shared with dbt, DuckDB and the tests themselves.
HEAP = "3G"
QUERY_MEMORY = "1GB"
# Plugins the tests need; skipping the others (geospatial, python functions, ...) makes
# startup faster.
PLUGINS = ("hive",)

AWS_REGION = "us-east-1"
AWS_KEY = AWS_SECRET = "testing"  # moto accepts any static credentials
BUCKET = "recover-lake"


class TrinoUnavailable(RuntimeError):
    """A prerequisite cannot be had here: tests skip (or fail if required)."""


def trino_required() -> bool:
    return os.environ.get("RECOVER_REQUIRE_TRINO") == "1"


def find_java_home() -> Path:
    """A JDK that can run Trino: $RECOVER_TRINO_JAVA_HOME if set (and only it), else
    $JAVA_HOME if it is Java 24+, else the Temurin 25 JDK."""
    override = os.environ.get("RECOVER_TRINO_JAVA_HOME")
    candidates = [override] if override else [os.environ.get("JAVA_HOME"), DEFAULT_JAVA_HOME]
    for cand in filter(None, candidates):
        java = Path(cand) / "bin" / "java"
        if not java.exists():
            continue
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
        m = re.search(r'version "(\d+)', proc.stderr)
        if m and int(m.group(1)) >= MIN_JAVA:
            return Path(cand)
    raise TrinoUnavailable(
        f"no Java {MIN_JAVA}+ JDK found (looked in {', '.join(map(str, filter(None, candidates)))})"
    )


def install_trino() -> Path:
    """Run scripts/fetch_trino.sh (instant once cached) and return the install dir."""
    proc = subprocess.run(["bash", FETCH_SCRIPT], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise TrinoUnavailable(f"fetch_trino.sh failed ({proc.returncode}): {last}")
    home = Path(proc.stdout.strip().splitlines()[-1])
    if not (home / "bin" / "launcher").exists():
        raise TrinoUnavailable(f"fetch_trino.sh gave {home}, which has no bin/launcher")
    return home


def local_uri(path: Path) -> str:
    """``local:///abs/path`` for Trino's native local file system.

    Not ``file://``: Trino 476 accepts file:// locations but lists their files back as
    local:/// and then silently drops them (tables read as empty). Not ``Path.as_uri()``
    either: it percent-encodes '=' in Hive partition folders and Trino does not decode it.
    """
    return "local://" + str(path.resolve())


def _die_with_parent(cmd: list[str]) -> list[str]:
    """Prefix ``cmd`` so the child gets SIGKILL when pytest dies.

    stop() handles the normal end; util-linux's ``setpriv --pdeathsig`` covers a pytest
    that is killed outright, so no JVM or moto outlives the test run. (setpriv and the
    launcher exec in place, and the parent-death signal survives exec.) Used together
    with ``start_new_session`` so stop() can kill the whole process group.
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *cmd] if setpriv else cmd


def _kill_group(proc: subprocess.Popen | None, grace_s: float) -> None:
    """SIGTERM the child's process group (start_new_session), SIGKILL if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def _common_catalog() -> dict[str, str]:
    return {
        "connector.name": "hive",
        # The raw zone is external tables; dbt-trino writes curated tables with CTAS.
        "hive.non-managed-table-writes-enabled": "true",
        "hive.non-managed-table-creates-enabled": "true",
        # Athena's CTAS default format is Parquet (Trino's Hive default is ORC).
        "hive.storage-format": "PARQUET",
        # Native local file system: SQL locations 'local:///abs/path' (see local_uri).
        "fs.native-local.enabled": "true",
        "local.location": "/",
    }


def hive_glue_catalog(moto_endpoint: str, warehouse: str) -> dict[str, str]:
    """Production shape: Glue metastore + native S3, both served by moto.

    ``hive.metastore.glue.endpoint-url`` points Trino's Glue (AWS SDK v2) client at
    moto; static keys, so no AWS credential chain is consulted. moto needs the no-op
    statistics actions of moto_glue.py. Trino's Glue metastore cannot RENAME tables
    (Glue has no rename API), so dbt-trino needs ``on_table_exists: drop``. Schemas
    created without a location get ``<warehouse>/<schema>``.
    """
    return {
        **_common_catalog(),
        "hive.metastore": "glue",
        "hive.metastore.glue.region": AWS_REGION,
        "hive.metastore.glue.endpoint-url": moto_endpoint,
        "hive.metastore.glue.aws-access-key": AWS_KEY,
        "hive.metastore.glue.aws-secret-key": AWS_SECRET,
        "hive.metastore.glue.default-warehouse-dir": warehouse,
        "fs.native-s3.enabled": "true",
        "s3.endpoint": moto_endpoint,
        "s3.region": AWS_REGION,
        "s3.path-style-access": "true",
        "s3.aws-access-key": AWS_KEY,
        "s3.aws-secret-key": AWS_SECRET,
    }


def athena_catalog(moto_endpoint: str) -> dict[str, str]:
    """``awsdatacatalog``: the Athena endpoint's catalog (tests/support/athena_endpoint.py).

    Named like Athena's default catalog, so the SQL dbt-athena renders
    (``"awsdatacatalog"."schema"."table"``) runs unchanged. The same Glue and S3 (moto) as
    ``hive``, but shaped like Athena: no default warehouse directory (a Glue database created
    without a location has none, as with Athena's CREATE DATABASE), and the partition
    procedures Athena's ``ALTER TABLE ADD PARTITION`` / ``MSCK REPAIR TABLE`` map to.
    """
    props = hive_glue_catalog(moto_endpoint, warehouse="")
    del props["hive.metastore.glue.default-warehouse-dir"]
    props["hive.allow-register-partition-procedure"] = "true"
    # Athena neither writes column statistics to Glue after a CTAS/INSERT nor has any to read
    # here; skipping them saves Trino ~10 moto round trips per query (planning ~350 -> ? ms).
    props["hive.collect-column-statistics-on-write"] = "false"
    props["hive.table-statistics-enabled"] = "false"
    props["hive.metastore.glue.partitions-segments"] = "1"
    return props


def hive_file_catalog(catalog_dir: str) -> dict[str, str]:
    """Fallback: Trino's file metastore, no moto.

    Its metadata are JSON files (``.trinoSchema``) under ``catalog_dir``, and it insists
    that a managed table lives at ``<catalog_dir>/<schema>/<table>`` ("Table directory
    must be ..."), whatever the schema location says, while external tables may not lie
    inside ``catalog_dir``. So ``catalog_dir`` is beside the lake, not the lake itself
    (the raw zone's external tables are in the lake), and CTAS tables land there.
    """
    return {
        **_common_catalog(),
        "hive.metastore": "file",
        "hive.metastore.catalog.dir": catalog_dir,
    }


def _properties(values: dict[str, str]) -> str:
    return "".join(f"{k}={v}\n" for k, v in values.items())


class TrinoServer:
    """One single-node Trino: a coordinator that also schedules work on itself."""

    def __init__(
        self, home: Path, java_home: Path, workdir: Path, catalogs: dict[str, dict[str, str]]
    ) -> None:
        self.home, self.java_home, self.workdir = home, java_home, workdir
        self.catalogs = catalogs
        self.port = free_port()
        self.etc = workdir / "etc"
        self.data = workdir / "data"
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen | None = None
        self.startup_seconds: float | None = None

    def _write_etc(self) -> None:
        (self.etc / "catalog").mkdir(parents=True, exist_ok=True)
        plugins = self.workdir / "plugin"
        plugins.mkdir(parents=True, exist_ok=True)
        for name in PLUGINS:
            link = plugins / name
            if not link.exists():
                link.symlink_to(self.home / "plugin" / name)
        config = {
            "coordinator": "true",
            "node-scheduler.include-coordinator": "true",
            "http-server.http.port": str(self.port),
            "discovery.uri": f"http://127.0.0.1:{self.port}",
            "plugin.dir": str(plugins),
            "query.max-memory": QUERY_MEMORY,
            "query.max-memory-per-node": QUERY_MEMORY,
            # 2 cores: keep Trino's thread pools small.
            "task.concurrency": "2",
            "task.max-worker-threads": "4",
            # One node on 2 busy cores: a GC or CPU stall must not get the only worker marked
            # failed ("No nodes available to run query"); there is no other node to fail over to.
            "failure-detector.enabled": "false",
        }
        (self.etc / "config.properties").write_text(_properties(config))
        node = {
            "node.environment": "test",
            "node.id": str(uuid.uuid4()),
            "node.internal-address": "127.0.0.1",
        }
        (self.etc / "node.properties").write_text(_properties(node))
        jvm = [
            f"-Xmx{HEAP}",
            # C1 only: test queries are tiny, so JIT warm-up dominates; on 2 busy cores
            # this cut startup from ~30-40s to ~17-27s and the queries by about half.
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseG1GC",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:ReservedCodeCacheSize=256M",
            "-Djdk.attach.allowAttachSelf=true",
            "-XX:+EnableDynamicAgentLoading",
            "-Dfile.encoding=UTF-8",
            # Athena's session time zone is UTC: from_iso8601_timestamp('...T02:30:00')
            # and CAST(... AS timestamp) must not depend on the machine's zone.
            "-Duser.timezone=UTC",
        ]
        (self.etc / "jvm.config").write_text("\n".join(jvm) + "\n")
        (self.etc / "log.properties").write_text("io.trino=INFO\n")
        for name, props in self.catalogs.items():
            (self.etc / "catalog" / f"{name}.properties").write_text(_properties(props))

    def start(self) -> TrinoServer:
        self._write_etc()
        self.data.mkdir(parents=True, exist_ok=True)
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
            self.proc = subprocess.Popen(
                _die_with_parent(cmd),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
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
                    f"Trino exited with {self.proc.returncode} at startup:\n{self.log_tail()}"
                )
            try:
                # Ready = answers, and the node that executes tasks has announced itself.
                if self.query("SELECT 1") == [[1]] and self.query(
                    "SELECT count(*) FROM system.runtime.nodes WHERE state = 'active'"
                )[0][0] >= 1:
                    return
            except Exception as e:  # noqa: BLE001 - not listening yet, or still initializing
                last_err = e
            time.sleep(0.5)
        raise TimeoutError(
            f"Trino not ready in {STARTUP_TIMEOUT_S}s ({last_err}):\n{self.log_tail()}"
        )

    def stop(self) -> None:
        _kill_group(self.proc, 30)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def connect(self, catalog: str = "hive", schema: str | None = None):
        import trino  # the Python client ships with dbt-trino

        return trino.dbapi.connect(
            host="127.0.0.1", port=self.port, user="test", catalog=catalog, schema=schema
        )

    def query(self, sql: str, catalog: str = "hive", schema: str | None = None) -> list:
        """Run one statement and return all rows (as lists).

        NO_NODES_AVAILABLE is retried for up to a minute: on an overloaded machine the only
        node can miss its announcement for a moment; any other error is raised at once.
        """
        deadline = time.monotonic() + 60
        while True:
            conn = self.connect(catalog, schema)
            try:
                cur = conn.cursor()
                cur.execute(sql)
                return cur.fetchall()
            except Exception as e:  # re-raised unless it is the transient one
                if "NO_NODES_AVAILABLE" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(1)
            finally:
                conn.close()


class TrinoEnv:
    """What the ``trino`` fixture yields: the server, its moto, and the lake directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lake = root / "lake"
        self.lake.mkdir(parents=True, exist_ok=True)
        self.file_metastore = root / "file-metastore"  # hive_file's tables live here
        self.bucket = BUCKET
        self.moto = MotoServer(root / "moto.log", glue_shim=True, wrap=_die_with_parent)
        self.server: TrinoServer | None = None

    def start(self) -> TrinoEnv:
        java_home = find_java_home()
        home = install_trino()
        try:
            import moto.server  # noqa: F401
        except ImportError as e:
            raise TrinoUnavailable(f"moto[server] not installed: {e}") from e
        self.moto.start()
        self.aws("s3").create_bucket(Bucket=self.bucket)
        warehouse = local_uri(self.lake / "warehouse")
        catalogs = {
            "hive": hive_glue_catalog(self.moto.endpoint, warehouse),
            "hive_file": hive_file_catalog(local_uri(self.file_metastore)),
            "awsdatacatalog": athena_catalog(self.moto.endpoint),
        }
        self.server = TrinoServer(home, java_home, self.root / "trino", catalogs)
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.moto.stop()

    # conveniences for tests
    local_uri = staticmethod(local_uri)

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.port

    def aws(self, service: str):
        """boto3 client (glue, s3, ...) on the moto server Trino uses."""
        return self.moto.client(service)

    def query(self, sql: str, catalog: str = "hive", schema: str | None = None) -> list:
        assert self.server is not None
        return self.server.query(sql, catalog, schema)


def start_trino_env(root: Path) -> TrinoEnv:
    env = TrinoEnv(root)
    try:
        return env.start()
    except BaseException:
        env.stop()
        raise


# One Trino per pytest process, even if two conftest/test modules import the fixture
# (each import is its own fixture definition, which would otherwise start its own server).
_shared: TrinoEnv | None = None
_unavailable: str | None = None  # remembered, so later tests skip at once


def _shared_env(basetemp: Path) -> TrinoEnv:
    global _shared, _unavailable
    if _shared is None and _unavailable is None:
        root = Path(tempfile.mkdtemp(prefix="trino-", dir=basetemp))
        try:
            _shared = start_trino_env(root)
        except TrinoUnavailable as e:
            _unavailable = str(e)
    if _unavailable is not None:
        if trino_required():
            pytest.fail(f"RECOVER_REQUIRE_TRINO=1 but Trino is unavailable: {_unavailable}")
        pytest.skip(f"Trino unavailable: {_unavailable}")
    assert _shared is not None
    return _shared


@pytest.fixture(scope="session")
def trino(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrinoEnv]:
    """Session-wide Trino (+ moto) with the ``hive`` and ``hive_file`` catalogs."""
    global _shared
    env = _shared_env(tmp_path_factory.getbasetemp())
    try:
        yield env
    finally:
        if _shared is not None:
            _shared.stop()
            _shared = None
