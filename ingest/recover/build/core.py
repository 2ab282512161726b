"""Build the curated tables: dbt build on a target, then (locally) the Parquet export.

On the local target the curated tables are DuckDB tables in schema `{ns}` of
`{lake}/{ns}/recover.duckdb`; after a successful dbt build each curated table is exported to
`{lake}/{ns}/parquet/dataset_{table}/cohort={cohort}/*.parquet` (parquet.py). On the Athena
targets (`namespace`, `prod`) and `trino`, the engine writes the Parquet itself and this runs
dbt only.

Builds are full refreshes: every run re-reads the whole raw zone, so a build after a second
ingest equals one build over all exports. See docs/build.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from recover.build.dbt_runner import PROFILES_DIR, PROJECT_DIR, NodeProgress, read_results, run_dbt
from recover.build.parquet import count_rows, export_parquet
from recover.lake import split_s3_uri

LOCAL = "local"
ATHENA_TARGETS = ("namespace", "prod")
TARGETS = (LOCAL, *ATHENA_TARGETS, "trino")


@dataclass
class BuildResult:
    ok: bool
    models: dict[str, str] = field(default_factory=dict)  # model name -> status
    tests: dict[str, int] = field(default_factory=dict)  # pass / warn / fail / error -> count
    warnings: list[str] = field(default_factory=list)  # names of warning tests
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    row_counts: dict[str, int] = field(default_factory=dict)  # curated table -> rows


def dbt_env(lake: Path | str, namespace: str, target: str = LOCAL) -> dict[str, str]:
    """The environment the dbt profiles read (README "Plain dbt")."""
    env = {
        "RECOVER_NAMESPACE": namespace,
        "DBT_PROFILES_DIR": str(PROFILES_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if target in ATHENA_TARGETS:
        env["RECOVER_BUCKET"] = split_s3_uri(str(lake))[0]
    else:
        env["RECOVER_LAKE"] = str(lake)
    return env


def build(lake: Path, namespace: str, select: list[str] | None = None,
          exclude: list[str] | None = None, export: bool = True, target: str = LOCAL,
          on_node: NodeProgress | None = None) -> BuildResult:
    """Run `dbt build` on `target` (unit tests excluded: `make test` runs them) and, on the
    local target, refresh the raw views first and export the Parquet after a successful build.

    dbt's log goes to {lake}/{ns}/logs/dbt.log locally (a temporary folder otherwise).
    """
    started = time.monotonic()
    if target == LOCAL:
        from recover.ingest.duckdb_catalog import refresh_raw_views

        lake = Path(lake)
        (lake / namespace).mkdir(parents=True, exist_ok=True)
        refresh_raw_views(lake, namespace)
        work = lake / namespace
    else:
        work = Path.cwd() / ".recover" / namespace
    target_path = work / "target"
    args = ["build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROFILES_DIR),
            "--target", target, "--no-use-colors", "--log-path", str(work / "logs"),
            "--exclude-resource-type", "unit_test", "--target-path", str(target_path)]
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    code, tail = run_dbt(args, dbt_env(lake, namespace, target), on_node)
    found = read_results(target_path)
    result = BuildResult(ok=code == 0, models=found.models, tests=found.tests,
                         warnings=found.warnings, failures=found.failures)
    if not result.ok and not result.failures:
        result.failures.append("dbt build failed:\n" + "\n".join(tail))
    if target == LOCAL:
        curated = sorted(name for name, status in result.models.items()
                         if status == "success" and name.startswith("dataset_"))
        if result.ok and export:
            result.row_counts = export_parquet(lake, namespace, curated)
        elif curated:
            result.row_counts = count_rows(lake, namespace, curated)
    result.seconds = time.monotonic() - started
    return result
