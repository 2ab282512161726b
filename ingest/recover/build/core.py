"""Build the curated tables: dbt build on a target, audited, then published in one step.

Local target (write-audit-publish, publish.py): under the namespace's build lock (lock.py), the
build copies the published database into its own folder, runs `dbt build` there (raw views of
the committed exports, staging, de-duplication, curated and monitoring tables, seeds, data
tests), exports the curated tables to Parquet in the same folder, and only when dbt succeeded
(every model built, no error-severity test failed) switches readers to it. On the Athena
targets (`namespace`, `prod`) and `trino`, the engine writes the Parquet and this runs dbt.

Each run keeps its artifacts in `{lake}/{ns}/runs/{run_id}/` (local) or `./.recover/{ns}/runs/`
(remote targets): dbt's run_results.json and manifest.json, dbt.log and dbt.out (its output).

Builds are full refreshes: every run re-reads the whole raw zone, so a build after a second
ingest equals one build over all exports. See docs/build.md.
"""

from __future__ import annotations

import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from recover import faults
from recover.build.dbt_runner import PROFILES_DIR, PROJECT_DIR, NodeProgress, read_results, run_dbt
from recover.build.lock import namespace_lock
from recover.build.parquet import count_rows, export_parquet
from recover.build.publish import LocalBuild
from recover.lake import make_dirs, split_s3_uri

LOCAL = "local"
ATHENA_TARGETS = ("namespace", "prod")
TARGETS = (LOCAL, *ATHENA_TARGETS, "trino")


@dataclass
class BuildResult:
    ok: bool
    run_id: str = ""
    published: bool = False
    models: dict[str, str] = field(default_factory=dict)  # model name -> status
    tests: dict[str, int] = field(default_factory=dict)  # pass / warn / fail / error -> count
    warnings: list[str] = field(default_factory=list)  # names of warning tests
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    row_counts: dict[str, int] = field(default_factory=dict)  # curated table -> rows
    locations: dict[str, str] = field(default_factory=dict)  # Athena: published table -> data
    run_dir: Path | None = None


def new_run_id() -> str:
    """Sortable and unique: `20261202T101500Z-3f9a1c`."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


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


ARTIFACTS = ("run_results.json", "manifest.json")


def dbt_args(target: str, target_path: Path, run_dir: Path, select: list[str] | None,
             exclude: list[str] | None) -> list[str]:
    args = ["build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROFILES_DIR),
            "--target", target, "--no-use-colors", "--log-path", str(run_dir),
            # dbt unit tests check the SQL, not the data: `make test` runs them.
            "--exclude-resource-type", "unit_test", "--target-path", str(target_path)]
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    return args


def build(lake: Path | str, namespace: str, select: list[str] | None = None,
          exclude: list[str] | None = None, export: bool = True, target: str = LOCAL,
          on_node: NodeProgress | None = None, run_id: str | None = None) -> BuildResult:
    """Run one build; BuildLocked when another build of the namespace holds the lock."""
    run_id = run_id or new_run_id()
    if target == LOCAL:
        return _build_local(Path(lake), namespace, select, exclude, export, on_node, run_id)
    return _build_remote(str(lake), namespace, select, exclude, target, on_node, run_id)


def _run(lake: Path | str, namespace: str, target: str, home: Path, run_id: str,
         select: list[str] | None, exclude: list[str] | None, on_node: NodeProgress | None,
         extra_env: dict[str, str]) -> BuildResult:
    """dbt build; its artifacts copied to the run's folder. The target path is shared by the
    namespace's builds (one at a time, under the lock) so dbt's partial parsing carries over."""
    run_dir = home / "runs" / run_id
    target_path = home / ".dbt" / target
    make_dirs(run_dir)
    for name in ARTIFACTS:  # never report a previous run's results as this one's
        (target_path / name).unlink(missing_ok=True)
    env = {**dbt_env(lake, namespace, target), **extra_env, "RECOVER_RUN_ID": run_id}
    code, tail = run_dbt(dbt_args(target, target_path, run_dir, select, exclude), env, on_node,
                         log=run_dir / "dbt.out")
    for name in ARTIFACTS:
        if (target_path / name).exists():
            shutil.copyfile(target_path / name, run_dir / name)
    found = read_results(run_dir)
    result = BuildResult(ok=code == 0, run_id=run_id, models=found.models, tests=found.tests,
                         warnings=found.warnings, failures=found.failures, run_dir=run_dir)
    if not result.ok and not result.failures:
        result.failures.append("dbt build failed:\n" + "\n".join(tail))
    return result


def _build_local(lake: Path, namespace: str, select: list[str] | None,
                 exclude: list[str] | None, export: bool, on_node: NodeProgress | None,
                 run_id: str) -> BuildResult:
    started = time.monotonic()
    lake = lake.absolute()
    make_dirs(lake / namespace)
    with namespace_lock(lake / namespace, namespace, run_id):
        work = LocalBuild(lake, namespace, run_id)
        try:
            work.prepare()
            result = _run(lake, namespace, LOCAL, lake / namespace, run_id, select, exclude,
                          on_node, {"RECOVER_DUCKDB": str(work.database)})
            faults.point("build.after_dbt")
            if result.ok:
                if export:
                    result.row_counts = export_parquet(work.database, namespace, work.parquet)
                else:
                    result.row_counts = count_rows(work.database, namespace)
                faults.point("build.before_publish")
                work.publish()
                result.published = True
                faults.point("build.after_publish")
            else:
                result.row_counts = count_rows(work.database, namespace) \
                    if work.database.exists() else {}
                work.discard()
        except BaseException:
            work.discard()
            raise
        work.sweep()
    result.seconds = time.monotonic() - started
    return result


def sync_raw_partitions(lake: str, namespace: str) -> str:
    """Register every committed export with the Glue raw tables (idempotent): repairs an ingest
    that died between writing an export's commit record and registering its partitions."""
    from recover import registry
    from recover.ingest.storage import Storage

    sink = Storage().sink(lake, namespace)
    return sink.register(sink.committed(), registry.load())


def _build_remote(lake: str, namespace: str, select: list[str] | None,
                  exclude: list[str] | None, target: str, on_node: NodeProgress | None,
                  run_id: str) -> BuildResult:
    started = time.monotonic()
    home = Path.cwd() / ".recover" / namespace
    with namespace_lock(home, namespace, run_id):
        session = None
        if target in ATHENA_TARGETS:
            import boto3

            from recover.build import athena_publish

            session = boto3.Session()
            sync_raw_partitions(lake, namespace)
            athena_publish.clear_candidates(session, namespace)
        result = _run(lake, namespace, target, home, run_id, select, exclude, on_node, {})
        faults.point("build.after_dbt")
        if result.ok and session is not None:
            faults.point("build.before_publish")
            bucket = split_s3_uri(lake)[0]
            published = athena_publish.publish(session, bucket, namespace, run_id)
            result.locations = published.tables
            result.published = True
        elif result.ok:
            result.published = True  # trino: tables are written in place (a test engine)
    result.seconds = time.monotonic() - started
    return result
