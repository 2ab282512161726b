"""`make bench`'s Athena step: the bytes a weekly build scans, incremental against full.

Athena bills the bytes a query reads from S3. This step runs `recover build --target namespace`
on the test suite's Athena endpoint (tests/support/athena.py: the Athena API in front of a
local Trino server, with S3 and Glue on a moto server). The endpoint reports Trino's physical
input bytes (compressed, after partition and column pruning) as `DataScannedInBytes`, and
dbt-athena records them per node in `run_results.json`. On one series:

  history   N weekly exports per cohort, ingested; a full build
  weekly    one more export per cohort, ingested; the build is incremental (the week only)
  full      `--full-refresh` over the same exports: what the weekly build would cost without
            incremental builds

The data tests are left out of all three builds (`--exclude test_type:data`): they read whole
tables in either kind of build, and on this 2-core machine they would double the step's time.
Wall times are the endpoint's (one Trino worker), not Athena's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dbt_results import scanned_bytes

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the endpoint and Trino harness live in tests/support
    sys.path.insert(0, str(REPO))

NAMESPACE = "bench"
BUILD = ["--exclude", "test_type:data"]


def _run(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> str:
    with open(log, "a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False, timeout=3600)
        out.write(proc.stdout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({proc.returncode}); see {log}")
    return proc.stdout


def measure_scan(history: list[Path], week: list[Path], scratch: Path, log) -> dict:
    """Run the three builds; bytes scanned per layer and wall time of each."""
    from tests.support.athena import AthenaEndpoint
    from tests.support.trino import start_trino_env

    scratch.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="athena-scan-", dir=scratch))
    steps_log = root / "steps.log"
    recover = str(Path(sys.executable).with_name("recover"))
    trino = start_trino_env(root)
    endpoint = None
    try:
        endpoint = AthenaEndpoint(trino, root / "athena-endpoint.log").start()
        endpoint.create_workgroups(NAMESPACE)
        env = endpoint.build_env(NAMESPACE)
        lake = f"s3://{trino.bucket}"
        out: dict = {"exports": len(history), "week_exports": len(week),
                     "log": str(steps_log)}

        def ingest(paths: list[Path]) -> None:
            _run([recover, "ingest", "--lake", lake, "--namespace", NAMESPACE,
                  *map(str, paths)], env, root, steps_log)

        def build(step: str, extra: list[str]) -> None:
            started = time.monotonic()
            text = _run([recover, "build", "--lake", lake, "--namespace", NAMESPACE,
                         "--target", "namespace", *BUILD, *extra], env, root, steps_log)
            seconds = time.monotonic() - started
            run = max((root / ".recover" / NAMESPACE / "runs").iterdir())
            results = json.loads((run / "run_results.json").read_text())["results"]
            plan = next((line.strip() for line in text.splitlines()
                         if "incremental:" in line or "full refresh:" in line), "")
            out[step] = {"seconds": round(seconds, 1), "plan": plan,
                         "scanned_bytes": scanned_bytes(results)}
            log(f"[athena] {step} build: {seconds:.0f} s, scanned "
                f"{out[step]['scanned_bytes']['total'] / 1e6:,.1f} MB ({plan})")

        ingest(history)
        build("history", [])
        ingest(week)
        build("weekly", [])
        build("full", ["--full-refresh"])
        weekly, full = out["weekly"]["scanned_bytes"]["total"], out["full"]["scanned_bytes"]["total"]
        out["incremental"] = "incremental:" in out["weekly"]["plan"]
        out["scanned_incremental_vs_full"] = round(weekly / full, 3) if full else None
        raw = trino.aws("s3").get_paginator("list_objects_v2").paginate(
            Bucket=trino.bucket, Prefix=f"{NAMESPACE}/raw/")
        out["raw_bytes"] = sum(o["Size"] for page in raw for o in page.get("Contents", []))
        return out
    finally:
        if endpoint is not None:
            endpoint.stop()
        trino.stop()
