"""`recover build`: run the dbt build and write the curated tables as Parquet.

On the local target the curated tables are DuckDB tables in schema `{ns}` of
`{lake}/{ns}/recover.duckdb`; after a successful dbt build each curated table is exported to
`{lake}/{ns}/parquet/dataset_{table}/cohort={cohort}/*.parquet`. The export of a table is
written to a temporary sibling folder first and swapped in with renames, so a failed build or
export never leaves a half-written dataset where the previous good one was.

Builds are full refreshes (like upstream, spec 4): every run re-reads the whole raw zone, so a
build after a second ingest equals one build over all exports. See docs/build.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from recover import local_catalog
from recover.identifiers import check_identifier

PROGRESS = re.compile(r"\b(\d+) of (\d+) (?:OK|PASS|WARN|ERROR|FAIL|SKIP)")
PROJECT_DIR = Path(os.environ.get("RECOVER_PROJECT_DIR", Path(__file__).resolve().parents[2]))


@dataclass
class BuildResult:
    ok: bool
    models: dict[str, str] = field(default_factory=dict)  # model name -> status
    tests: dict[str, int] = field(default_factory=dict)  # pass / warn / fail / error -> count
    warnings: list[str] = field(default_factory=list)  # names of warning tests
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    row_counts: dict[str, int] = field(default_factory=dict)  # curated table -> rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", required=True, help="local lake directory")
    parser.add_argument("--namespace", required=True, help="namespace (schema), e.g. dev")
    parser.add_argument("--target", default="local", help="dbt target (default: local)")
    parser.add_argument("--select", "-s", nargs="+", help="dbt node selection")
    parser.add_argument("--exclude", nargs="+", help="dbt nodes to exclude")
    parser.add_argument("--no-parquet", action="store_true",
                        help="skip the Parquet export of the curated tables")


def run(args: argparse.Namespace) -> int:
    try:
        check_identifier("namespace", args.namespace)
    except ValueError as exc:
        print(f"recover build: {exc}", file=sys.stderr)
        return 2
    lake = Path(args.lake).resolve()
    if args.target != "local":
        print("recover build: only the local target is run by `recover build`; "
              "use `dbt build --target namespace` for Athena (README)", file=sys.stderr)
        return 2
    result = build(lake, args.namespace, select=args.select, exclude=args.exclude,
                   export=not args.no_parquet)
    print_summary(result, lake, args.namespace)
    return 0 if result.ok else 1


def dbt_env(lake: Path, namespace: str) -> dict[str, str]:
    return {
        "RECOVER_LAKE": str(lake),
        "RECOVER_NAMESPACE": namespace,
        "DBT_PROFILES_DIR": str(PROJECT_DIR / "profiles"),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def build(lake: Path, namespace: str, select: list[str] | None = None,
          exclude: list[str] | None = None, export: bool = True,
          progress: TextIO | None = sys.stderr) -> BuildResult:
    """Refresh the raw views, run `dbt build` on the local target, export Parquet.

    dbt runs in a subprocess (its DuckDB connection must be closed before the export opens
    the database again); its log goes to {lake}/{ns}/logs/dbt.log and a one-line progress
    counter to `progress`.
    """
    started = time.monotonic()
    (lake / namespace).mkdir(parents=True, exist_ok=True)
    local_catalog.refresh_raw_views(lake, namespace)
    target_path = lake / namespace / "target"
    argv = [str(Path(sys.executable).with_name("dbt")), "build",
            "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR / "profiles"),
            "--target", "local", "--no-use-colors", "--log-path", str(lake / namespace / "logs"),
            # dbt unit tests check the SQL, not the data: `make test` runs them
            # (tests/test_end_to_end.py), a data build does not need to.
            "--exclude-resource-type", "unit_test",
            "--target-path", str(target_path)]
    if select:
        argv += ["--select", *select]
    if exclude:
        argv += ["--exclude", *exclude]
    env = {**os.environ, **dbt_env(lake, namespace)}
    tail: list[str] = []
    done, total, last_shown = 0, 0, -1
    tty = progress is not None and progress.isatty()
    with subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, cwd=PROJECT_DIR) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail = (tail + [line.rstrip()])[-40:]
            m = PROGRESS.search(line)
            if m and progress is not None and "hook" not in line:
                done, total = done + 1, int(m.group(2))
                step = done * 10 // total  # non-TTY: one line per 10%
                if tty:
                    progress.write(f"\r  dbt build: {done}/{total} nodes done")
                elif step != last_shown:
                    progress.write(f"  dbt build: {done}/{total} nodes done\n")
                    last_shown = step
                progress.flush()
    if tty:
        progress.write("\n")
    result = BuildResult(ok=proc.returncode == 0)
    results_file = target_path / "run_results.json"
    if results_file.exists():
        for r in json.loads(results_file.read_text())["results"]:
            uid, status = r["unique_id"], r["status"]
            parts = uid.split(".")
            kind, name = parts[0], (parts[2] if parts[0] in ("test", "unit_test") else parts[-1])
            if kind == "model":
                result.models[name] = status
                if status != "success":
                    result.failures.append(f"model {name}: {status} {r.get('message') or ''}".strip())
            elif kind in ("test", "unit_test"):
                result.tests[status] = result.tests.get(status, 0) + 1
                if status == "warn":
                    result.warnings.append(f"{name} ({r.get('failures')} rows)")
                elif status in ("fail", "error"):
                    result.failures.append(f"{kind} {name}: {status}")
    if not result.ok and not result.failures:
        result.failures.append("dbt build failed:\n" + "\n".join(tail))
    curated = sorted(name for name, status in result.models.items()
                     if status == "success" and name.startswith("dataset_"))
    if result.ok and export:
        result.row_counts = export_parquet(lake, namespace, curated)
    elif curated:
        result.row_counts = count_rows(lake, namespace, curated)
    result.seconds = time.monotonic() - started
    return result


def parquet_dir(lake: Path, namespace: str, table: str) -> Path:
    return lake / namespace / "parquet" / table


def export_parquet(lake: Path, namespace: str, tables: list[str]) -> dict[str, int]:
    """COPY each curated table to Parquet partitioned by cohort, swapped in atomically."""
    import duckdb

    counts: dict[str, int] = {}
    con = duckdb.connect(str(local_catalog.database_path(lake, namespace)), read_only=True)
    try:
        for table in tables:
            final = parquet_dir(lake, namespace, table)
            tmp = final.with_name(f".{table}.tmp-{uuid.uuid4().hex[:8]}")
            old = final.with_name(f".{table}.old-{uuid.uuid4().hex[:8]}")
            tmp.mkdir(parents=True)
            try:
                rel = f'"{namespace}"."{table}"'
                counts[table] = con.execute(f"select count(*) from {rel}").fetchone()[0]
                if counts[table]:
                    con.execute(
                        f"copy (select * from {rel}) to '{tmp}' "
                        "(format parquet, partition_by (cohort), compression zstd, "
                        "filename_pattern 'part-{i}')"
                    )
                if final.exists():
                    final.rename(old)
                tmp.rename(final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.rmtree(old, ignore_errors=True)
    finally:
        con.close()
    return counts


def count_rows(lake: Path, namespace: str, tables: list[str]) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(local_catalog.database_path(lake, namespace)), read_only=True)
    try:
        return {t: con.execute(f'select count(*) from "{namespace}"."{t}"').fetchone()[0]
                for t in tables}
    finally:
        con.close()


def print_summary(result: BuildResult, lake: Path, namespace: str) -> None:
    out = sys.stdout
    print(f"\nCurated tables in schema {namespace} ({lake / namespace / 'recover.duckdb'}):", file=out)
    width = max((len(t) for t in result.row_counts), default=10)
    for table, rows in sorted(result.row_counts.items()):
        print(f"  {table:<{width}}  {rows:>10,} rows", file=out)
    built = sum(1 for s in result.models.values() if s == "success")
    tests = result.tests
    print(f"\nModels built: {built}/{len(result.models)}   Tests: {tests.get('pass', 0)} passed, "
          f"{tests.get('warn', 0)} warned, {tests.get('fail', 0) + tests.get('error', 0)} failed",
          file=out)
    for name in result.warnings:
        print(f"  warn: {name}", file=out)
    unmodelled = local_catalog.unmodelled_datasets(lake, namespace)
    if unmodelled:
        print(f"Unmodelled data types in the raw zone (landed, not built): {', '.join(unmodelled)}",
              file=out)
    if result.row_counts and (lake / namespace / "parquet").exists():
        print(f"Parquet: {lake / namespace / 'parquet'}", file=out)
    print(f"Build time: {result.seconds:.1f} s", file=out)
    for failure in result.failures:
        print(f"FAILED {failure}", file=sys.stderr)
