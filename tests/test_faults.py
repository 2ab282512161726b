"""Fault injection: kills at several points of ingest and build, a failing build, concurrent
builds and readers, on a local lake. After each, the invariants of docs/reliability.md hold:

* readers see exactly one complete build: the published database opens, its curated tables
  are one build's (the previous one after a failure, the new one once published) and its
  Parquet holds the same rows;
* the raw zone holds only whole files: every raw file gunzips to its commit record's size and
  CRC-32; temporary files are hidden and swept by the next ingest of their export;
* a committed export is complete, an uncommitted one invisible to builds;
* a re-run converges to the clean result.

Kills use the named points of recover/faults.py (the process SIGKILLs itself there) or a real
SIGKILL/SIGTERM from outside while dbt runs.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import duckdb
import psutil
import pyarrow.parquet as pq
import pytest
from recover.generate import generate_series

from tests.support.exports import write_export

pytestmark = [pytest.mark.faults, pytest.mark.slow]
NS = "f"
RECOVER = str(Path(sys.executable).with_name("recover"))


def recover(*args, fault: str | None = None, env: dict | None = None, timeout: float = 900):
    extra = {"RECOVER_FAULT_POINT": fault} if fault else {}
    return subprocess.run([RECOVER, *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **extra, **(env or {})}, timeout=timeout, check=False)


def ingest(lake: Path, *exports: Path, fault: str | None = None):
    return recover("ingest", *exports, "--lake", lake, "--namespace", NS, fault=fault)


# Builds here are full refreshes: most rebuild a lake whose exports the published build already
# holds (an incremental build would be up to date and never reach the kill points). The data
# tests run only where a test's outcome is the point (they are a quarter of a build's time).
NO_DATA_TESTS = ("--exclude", "test_type:data")
# A rebuild of a lake already built in full rebuilds the fitbit models only (selectors.yml): the
# kill points, the copy of the published database, the Parquet export of every table and the
# publishing are those of a whole build; the other tables come from the published copy, so the
# published tables must still equal `clean`. A fifth of the DAG: a few times faster.
REBUILD = ("--selector", "fitbit")


def build(lake: Path, fault: str | None = None, env: dict | None = None, tests: bool = False,
          whole: bool = False):
    return recover("build", "--lake", lake, "--namespace", NS, "--full-refresh",
                   *(() if tests else NO_DATA_TESTS), *(() if whole else REBUILD),
                   fault=fault, env=env)


def published(lake: Path) -> dict[str, tuple[int, str]] | None:
    """Row count and digest of every curated table readers see, or None when nothing is published."""
    database = lake / NS / "recover.duckdb"
    if not database.exists():
        return None
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_name like 'dataset%' order by 1", [NS]).fetchall()]
        return {t: con.execute(
            f"select count(*), md5(coalesce(string_agg(x, chr(10) order by x), '')) "
            f'from (select cast(t as varchar) as x from "{NS}"."{t}" as t)').fetchone()
            for t in tables}
    finally:
        con.close()


def published_run(lake: Path) -> str | None:
    link = lake / NS / "current"
    return link.resolve().name if link.is_symlink() else None


def assert_invariants(lake: Path) -> None:
    tables = published(lake)
    if tables is not None:  # the Parquet is the same build as the database
        parquet = lake / NS / "parquet"
        for table, (rows, _digest) in tables.items():
            files = list((parquet / table).glob("cohort=*/*.parquet"))
            assert sum(pq.read_metadata(f).num_rows for f in files) == rows, table
    for record_file in (lake / NS / "raw" / "_exports").glob("*/*.json"):
        for member in json.loads(record_file.read_text())["members"]:
            data = gzip.decompress((lake / member["key"]).read_bytes())
            assert len(data) == member["bytes"], member["key"]
            assert f"{zlib.crc32(data):08x}" == member["crc32"], member["key"]
    for raw in (lake / NS / "raw").rglob("*.ndjson.gz"):
        gzip.decompress(raw.read_bytes())  # every visible raw file is whole


def builds_on_disk(lake: Path) -> list[str]:
    return sorted(p.name for p in (lake / NS / "builds").iterdir())


@pytest.fixture(scope="module")
def series(tmp_path_factory) -> list[Path]:
    return generate_series(tmp_path_factory.mktemp("exports"), exports=2, size_mb=0.05, seed=5)


@pytest.fixture(scope="module")
def built(tmp_path_factory, series) -> tuple[Path, dict]:
    """A lake of the whole series, built once, and its published tables as that first
    undisturbed build left them: what every re-run must converge to."""
    lake = tmp_path_factory.mktemp("faults")
    assert ingest(lake, *series).returncode == 0
    assert build(lake, whole=True).returncode == 0
    return lake, published(lake)


@pytest.fixture(scope="module")
def clean(built) -> dict:
    return built[1]


@pytest.fixture(scope="module")
def lake(built) -> Path:
    """Each test starts from what the last one left in it."""
    return built[0]


# -- ingest ----------------------------------------------------------------------------------


def test_an_ingest_killed_mid_export_leaves_it_invisible_and_a_rerun_completes_it(tmp_path, series, clean):
    lake = tmp_path / "lake"
    first, *rest = series
    proc = ingest(lake, *rest, first, fault="ingest.after_member")
    assert proc.returncode == -signal.SIGKILL
    assert_invariants(lake)
    status = recover("status", "--lake", lake, "--namespace", NS)
    assert status.returncode == 1 and "partial" in status.stdout
    # builds what is committed, nothing of the partial export
    assert build(lake, whole=True).returncode == 0
    partial_tables = published(lake)
    assert partial_tables != clean
    assert ingest(lake, *series).returncode == 0
    assert recover("status", "--lake", lake, "--namespace", NS).returncode == 0
    assert build(lake, whole=True).returncode == 0
    assert published(lake) == clean


def test_an_ingest_killed_before_its_commit_record_commits_on_the_rerun(tmp_path, series):
    lake = tmp_path / "lake"
    assert ingest(lake, series[0], fault="ingest.before_commit").returncode == -signal.SIGKILL
    assert list((lake / NS / "raw").rglob("*.json")) == []  # no commit record
    assert_invariants(lake)
    assert ingest(lake, series[0]).returncode == 0
    assert len(list((lake / NS / "raw" / "_exports").rglob("*.json"))) == 1
    assert_invariants(lake)


def test_an_ingest_never_collides_with_a_reader_of_the_published_database(lake, series):
    con = duckdb.connect(str(lake / NS / "recover.duckdb"), read_only=True)
    try:
        proc = ingest(lake, series[0])
        assert proc.returncode == 0, proc.stderr
    finally:
        con.close()


# -- build -----------------------------------------------------------------------------------


@pytest.mark.parametrize("point", ["build.after_dbt", "build.during_parquet", "build.before_publish"])
def test_a_build_killed_before_publishing_changes_nothing_readers_see(lake, clean, point):
    before = published_run(lake)
    assert build(lake, fault=point).returncode == -signal.SIGKILL
    assert published_run(lake) == before
    assert published(lake) == clean
    assert_invariants(lake)


def test_a_build_killed_just_after_publishing_leaves_the_new_build_complete(lake, clean):
    before = published_run(lake)
    assert build(lake, fault="build.after_publish").returncode == -signal.SIGKILL
    assert published_run(lake) != before
    assert published(lake) == clean
    assert_invariants(lake)


def test_the_next_build_sweeps_what_killed_builds_left(lake, clean):
    assert build(lake).returncode == 0
    assert published(lake) == clean
    current, previous = published_run(lake), (lake / NS / "previous").resolve().name
    assert builds_on_disk(lake) == sorted({current, previous})


def build_under_way(lake: Path, nodes: int = 20) -> tuple[subprocess.Popen, psutil.Process]:
    """Start `recover build` and wait until its dbt has finished `nodes` nodes; return the
    `recover` process and its dbt child."""
    known = set((lake / NS / "runs").glob("*"))
    proc = subprocess.Popen([RECOVER, "build", "--lake", str(lake), "--namespace", NS,
                             "--full-refresh", *NO_DATA_TESTS, *REBUILD],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        new = [p / "dbt.out" for p in (lake / NS / "runs").glob("*") if p not in known]
        if new and new[0].exists() and new[0].read_text().count(" of ") >= nodes:
            children = psutil.Process(proc.pid).children()
            assert children, "no dbt child"
            return proc, children[0]
        time.sleep(0.2)
    raise TimeoutError("dbt did not start")


def test_killing_recover_build_with_sigkill_ends_its_dbt_and_publishes_nothing(lake, clean):
    before = published_run(lake)
    proc, dbt = build_under_way(lake)
    proc.kill()
    proc.wait(30)
    dbt.wait(30)  # PR_SET_PDEATHSIG: dbt gets SIGTERM when its parent dies
    assert not dbt.is_running()
    assert published_run(lake) == before and published(lake) == clean
    assert_invariants(lake)


def test_sigterm_stops_the_build_with_one_line_and_no_traceback(lake, clean):
    before = published_run(lake)
    proc, dbt = build_under_way(lake)
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert "Traceback" not in err
    assert "interrupted; dbt stopped, nothing published" in err
    dbt.wait(30)
    assert published_run(lake) == before and published(lake) == clean
    kept = {before, (lake / NS / "previous").resolve().name}
    assert set(builds_on_disk(lake)) <= kept  # the interrupted build's folder is gone


def test_a_second_build_at_once_is_refused_in_one_line_naming_the_first(lake, clean):
    first, _dbt = build_under_way(lake, nodes=1)
    second = build(lake)
    assert second.returncode == 75
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "is being built by run" in lines[0] and "started" in lines[0]
    _out, err = first.communicate(timeout=900)
    assert first.returncode == 0, err
    assert published(lake) == clean


def test_a_failing_build_leaves_readers_the_previous_build(lake, clean, tmp_path):
    before = published_run(lake)
    bad = write_export(tmp_path / "adults_v1" / "2099-01-01T00:00:00Z_bad",
                       {"FitbitDevices_20990101.json": b"not json\n{\"ParticipantIdentifier\": \"x\"}\n"})
    assert ingest(lake, bad).returncode == 0
    proc = build(lake, tests=True, whole=True)  # half of the file rejected: above the 5% share, an error-severity failure
    assert proc.returncode == 1
    assert "NOT published" in proc.stdout
    assert published_run(lake) == before and published(lake) == clean
    assert_invariants(lake)
    shutil.rmtree(lake / NS / "raw" / "dataset=FitbitDevices" / "cohort=adults_v1" /
                  "export=2099-01-01T00-00-00Z_bad")
    (lake / NS / "raw" / "_exports" / "adults_v1" / "2099-01-01T00-00-00Z_bad.json").unlink()
    assert build(lake).returncode == 0
    assert published(lake) == clean
