"""A remote build's record in the lake: `s3://{bucket}/{ns}/runs/{run_id}/`.

After every build on an Athena target (published or not), its run folder (dbt's
run_results.json and manifest.json, dbt.log, dbt.out, and report.html, the run report of
report.py) goes to the data bucket next to the data it built, with `run.json`: the run, whether
it passed and published, when it started and ended, and the CodeBuild build that ran it, if any.
Operators and the CI's integration run read these; `run.json` is uploaded last, so a run whose
run.json is there has all its files there.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RUN_RECORD = "run.json"


def runs_key(namespace: str, run_id: str) -> str:
    return f"{namespace}/runs/{run_id}/"


def run_record(result: Any, namespace: str, target: str, started_at: datetime) -> dict[str, Any]:
    """What run.json says about a BuildResult."""
    return {
        "run_id": result.run_id, "namespace": namespace, "target": target,
        "ok": result.ok, "published": result.published,
        "started_at": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(result.seconds, 1),
        "models": {status: sum(1 for s in result.models.values() if s == status)
                   for status in sorted(set(result.models.values()))},
        "tests": result.tests, "failures": result.failures[:20],
        "tables": result.locations,
        "codebuild_build_id": os.environ.get("CODEBUILD_BUILD_ID"),
    }


def upload_run(s3: Any, bucket: str, namespace: str, run_dir: Path, record: dict[str, Any]) -> str:
    """Upload the run folder, then run.json; return the run's s3:// folder."""
    prefix = runs_key(namespace, record["run_id"])
    (run_dir / RUN_RECORD).write_text(json.dumps(record, indent=1, default=str) + "\n")
    files = sorted(p for p in run_dir.iterdir() if p.is_file() and p.name != RUN_RECORD)
    for path in [*files, run_dir / RUN_RECORD]:
        kind = "application/json" if path.suffix == ".json" else (
            "text/html" if path.suffix == ".html" else "text/plain")
        s3.upload_file(str(path), bucket, prefix + path.name, ExtraArgs={"ContentType": kind})
    return f"s3://{bucket}/{prefix}"
