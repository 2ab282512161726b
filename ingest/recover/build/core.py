"""Build the curated tables: dbt build on a target, audited, then published in one step.

Local target (write-audit-publish, publish.py): under the namespace's build lock (lock.py), the
build copies the published database into its own folder, runs `dbt build` there (raw views of
the committed exports, staging, de-duplication, curated and monitoring tables, seeds, data
tests), exports the curated tables to Parquet in the same folder, and only when dbt succeeded
(every model built, no error-severity test failed) switches readers to it. On the Athena
targets (`namespace`, `prod`) and `trino`, the engine writes the Parquet and this runs dbt.

Each run keeps its artifacts in `{lake}/{ns}/runs/{run_id}/` (local) or `./.recover/{ns}/runs/`
(remote targets): dbt's run_results.json and manifest.json, dbt.log and dbt.out (its output),
and report.html, the run report (report.py), for every build that ran dbt, passed or failed.
On the Athena targets they are uploaded, with a run.json, to `s3://{bucket}/{ns}/runs/{run_id}/`
whether the build passed or not (run_upload.py).

A build is incremental when the published build's state allows it (state.py): it reads only
the committed exports the published tables do not hold yet and keeps the rest of the published
rows; otherwise (first build, --full-refresh, models changed, an export re-ingested) it is a
full refresh over the whole raw zone. Both give the same tables. See docs/build.md.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recover import faults
from recover.build.dbt_runner import PROFILES_DIR, PROJECT_DIR, NodeProgress, read_results, run_dbt
from recover.build.lock import namespace_lock
from recover.build.parquet import count_rows, export_parquet
from recover.build.publish import LocalBuild, published_state
from recover.build.report import AthenaSource, Counts, build_counts, write_report
from recover.build.state import STATE_FILE, BuildState, Plan, plan, project_fingerprint
from recover.lake import make_dirs, split_s3_uri, write_atomic

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
    plan: Plan | None = None  # full or incremental, and why
    up_to_date: bool = False  # nothing new since the published build: dbt did not run
    artifacts_uri: str | None = None  # remote targets: the run's folder in the data bucket
    report: Path | None = None  # the run report (report.py), when dbt ran
    report_uri: str | None = None  # ... and its copy in the data bucket (Athena targets)
    report_error: str | None = None  # why the report could not be written


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
             exclude: list[str] | None, selector: str | None = None) -> list[str]:
    args = ["build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROFILES_DIR),
            "--target", target, "--no-use-colors", "--log-path", str(run_dir),
            # dbt unit tests check the SQL, not the data: `make test` runs them.
            "--exclude-resource-type", "unit_test", "--target-path", str(target_path)]
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    if selector:
        args += ["--selector", selector]
    if select or selector:
        # a test is picked only when everything it reads is selected: a child table's
        # relationship test must not run when only its parent is built
        args += ["--indirect-selection", "cautious"]
    return args


TESTS_ONLY = frozenset({"test_type:data", "test_type:unit", "resource_type:test",
                        "resource_type:unit_test"})


@dataclass(frozen=True)
class Selection:
    """What dbt builds: node selection, exclusion, a named selector (selectors.yml)."""

    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    selector: str | None = None

    def args(self) -> dict:
        return {"select": list(self.select) or None, "exclude": list(self.exclude) or None,
                "selector": self.selector}

    @property
    def partial(self) -> bool:
        """Whether some model is left out. Leaving out only tests (`--exclude test_type:data`)
        still builds every table, so the build is complete and advances the build state."""
        return bool(self.select or self.selector
                    or any(e not in TESTS_ONLY for e in self.exclude))


def build(lake: Path | str, namespace: str, select: list[str] | None = None,
          exclude: list[str] | None = None, export: bool = True, target: str = LOCAL,
          on_node: NodeProgress | None = None, run_id: str | None = None,
          selector: str | None = None, full_refresh: bool = False) -> BuildResult:
    """Run one build; BuildLocked when another build of the namespace holds the lock."""
    run_id = run_id or new_run_id()
    chosen = Selection(tuple(select or ()), tuple(exclude or ()), selector)
    if target == LOCAL:
        return _build_local(Path(lake), namespace, chosen, export, on_node, run_id, full_refresh)
    return _build_remote(str(lake), namespace, chosen, target, on_node, run_id, full_refresh)


def _plan(lake: Path | str, namespace: str, previous: BuildState | None, run_id: str,
          chosen: Selection, full_refresh: bool) -> Plan:
    from recover.ingest.storage import Storage

    commits = Storage().sink(lake, namespace).committed()
    return plan(previous, commits, project_fingerprint(PROJECT_DIR), run_id,
                full_refresh=full_refresh, selective=chosen.partial)


def _run(lake: Path | str, namespace: str, target: str, home: Path, run_id: str,
         chosen: Selection, on_node: NodeProgress | None, extra_env: dict[str, str],
         how: Plan) -> BuildResult:
    """dbt build; its artifacts copied to the run's folder. The target path is shared by the
    namespace's builds (one at a time, under the lock) so dbt's partial parsing carries over."""
    run_dir = home / "runs" / run_id
    target_path = home / ".dbt" / target
    make_dirs(run_dir)
    for name in ARTIFACTS:  # never report a previous run's results as this one's
        (target_path / name).unlink(missing_ok=True)
    env = {**dbt_env(lake, namespace, target), **extra_env, "RECOVER_RUN_ID": run_id}
    env.update(how.env())
    code, tail = run_dbt(dbt_args(target, target_path, run_dir, **chosen.args()), env, on_node,
                         log=run_dir / "dbt.out")
    for name in ARTIFACTS:
        if (target_path / name).exists():
            shutil.copyfile(target_path / name, run_dir / name)
    found = read_results(run_dir)
    result = BuildResult(ok=code == 0, run_id=run_id, models=found.models, tests=found.tests,
                         warnings=found.warnings, failures=found.failures, run_dir=run_dir,
                         plan=how)
    if not result.ok and not result.failures:
        result.failures.append("dbt build failed:\n" + "\n".join(tail))
    return result


def _build_local(lake: Path, namespace: str, chosen: Selection, export: bool,
                 on_node: NodeProgress | None, run_id: str, full_refresh: bool) -> BuildResult:
    started = time.monotonic()
    lake = lake.absolute()
    make_dirs(lake / namespace)
    with namespace_lock(lake / namespace, namespace, run_id):
        work = LocalBuild(lake, namespace, run_id)
        try:
            how = _plan(lake, namespace, published_state(lake / namespace), run_id, chosen,
                        full_refresh)
            if how.up_to_date and not chosen.partial:
                return BuildResult(ok=True, run_id=run_id, plan=how, up_to_date=True,
                                   seconds=time.monotonic() - started)
            work.prepare()
            result = _run(lake, namespace, LOCAL, lake / namespace, run_id, chosen, on_node,
                          {"RECOVER_DUCKDB": str(work.database)}, how)
            faults.point("build.after_dbt")
            if result.ok:
                if how.state is not None:
                    write_atomic(work.folder / STATE_FILE, [how.state.to_json()])
                if export:
                    result.row_counts = export_parquet(work.database, namespace, work.parquet)
                    export_parquet(work.database, f"{namespace}_restricted", work.restricted)
                else:
                    result.row_counts = count_rows(work.database, namespace)
                faults.point("build.before_publish")
                work.publish()
                result.published = True
                _report(result, namespace, LOCAL, started, work.database)
                faults.point("build.after_publish")
            else:
                result.row_counts = count_rows(work.database, namespace) \
                    if work.database.exists() else {}
                # before the discard: the report reads the failed build's own database
                _report(result, namespace, LOCAL, started, work.database)
                work.discard()
        except BaseException:
            work.discard()
            raise
        work.sweep()
    result.seconds = time.monotonic() - started
    return result


def _report(result: BuildResult, namespace: str, target: str, started: float,
            database: Path | None, counts: Counts | None = None) -> None:
    """Write the run report (report.py) into the run's folder. A report that cannot be written
    never changes the build's outcome: the reason is kept for the summary instead."""
    if result.run_dir is None:
        return
    result.seconds = time.monotonic() - started
    try:
        result.report = write_report(result, namespace, target,
                                     database if database is not None and database.exists()
                                     else None, counts=counts)
    except Exception as exc:  # noqa: BLE001 - reported, never fatal to the build
        result.report_error = f"{type(exc).__name__}: {exc}"


def sync_raw_partitions(lake: str, namespace: str) -> str:
    """Register every committed export with the Glue raw tables (idempotent): repairs an ingest
    that died between writing an export's commit record and registering its partitions."""
    from recover import registry
    from recover.ingest.storage import Storage

    sink = Storage().sink(lake, namespace)
    return sink.register(sink.committed(), registry.load())


def _build_remote(lake: str, namespace: str, chosen: Selection, target: str,
                  on_node: NodeProgress | None, run_id: str, full_refresh: bool) -> BuildResult:
    started = time.monotonic()
    started_at = datetime.now(UTC)
    home = Path.cwd() / ".recover" / namespace
    with namespace_lock(home, namespace, run_id):
        session = None
        if target in ATHENA_TARGETS:
            import boto3

            from recover.build import athena_publish

            session = boto3.Session()
            sync_raw_partitions(lake, namespace)
            athena_publish.clear_candidates(session, namespace)
            bucket = split_s3_uri(lake)[0]
            previous = athena_publish.published_state(session, bucket, namespace)
        else:  # trino, a test engine: tables are written in place, the state beside them
            previous = BuildState.from_json(_read(home / STATE_FILE))
        how = _plan(lake, namespace, previous, run_id, chosen, full_refresh)
        if how.up_to_date and not chosen.partial:
            return BuildResult(ok=True, run_id=run_id, plan=how, up_to_date=True,
                               seconds=time.monotonic() - started)
        result = _run(lake, namespace, target, home, run_id, chosen, on_node, {}, how)
        faults.point("build.after_dbt")
        counts = None
        try:
            if session is not None and result.run_dir is not None:
                counts = _athena_counts(session, bucket, namespace, result)
            if result.ok and session is not None:
                faults.point("build.before_publish")
                published = athena_publish.publish(session, bucket, namespace, run_id,
                                                   state=how.state)
                result.locations = published.tables
                result.published = True
            elif result.ok:
                result.published = True
                if how.state is not None:
                    write_atomic(home / STATE_FILE, [how.state.to_json()])
                else:
                    (home / STATE_FILE).unlink(missing_ok=True)
        finally:
            _report(result, namespace, target, started, None, counts)
            result.seconds = time.monotonic() - started
            if session is not None and result.run_dir is not None:
                from recover.build.run_upload import run_record, upload_run

                result.artifacts_uri = upload_run(
                    session.client("s3"), bucket, namespace, result.run_dir,
                    run_record(result, namespace, target, started_at))
                if result.report is not None:
                    result.report_uri = result.artifacts_uri + result.report.name
    return result


def _athena_counts(session: Any, bucket: str, namespace: str,
                   result: BuildResult) -> Counts | None:
    """The run report's figures, read on Athena from the candidate schema while it holds this
    run's tables (before publishing). Never fatal: a reason goes to result.report_error and the
    report is then made of the dbt artifacts."""
    from recover.build import athena_publish
    from recover.build.athena_query import AthenaQuery

    workgroup = os.environ.get("RECOVER_DBT_WORKGROUP", "primary")
    query = AthenaQuery(workgroup, client=session.client("athena"), timeout=600.0,
                        output_location=f"s3://{bucket}/athena-results/{namespace}/report/")
    try:
        return build_counts(AthenaSource(query, athena_publish.candidate_schema(namespace)),
                            result.run_dir, result.run_id)
    except Exception as exc:  # noqa: BLE001 - reported, never fatal to the build
        result.report_error = f"the counts could not be read on Athena: {type(exc).__name__}: " \
            + " ".join(str(exc).split())[:300]
        return None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
