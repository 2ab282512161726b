"""What the ingest and build verbs print when they are done (stdout), shared by `recover demo`;
the one-line refusal of a namespace that is not a plain identifier (stderr)."""

from __future__ import annotations

import sys
from typing import TextIO

from recover.build import LOCAL, BuildResult
from recover.commands.progress import MB
from recover.ingest import Summary
from recover.lake import check_identifier, database_path, parquet_dir


def refused_namespace(prog: str, namespace: str) -> bool:
    """True, after the one-line error on stderr, when `namespace` is not a plain identifier."""
    try:
        check_identifier("namespace", namespace)
    except ValueError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return True
    return False


def print_ingest_summary(summary: Summary, out: TextIO) -> None:
    rate = summary.bytes_in / MB / summary.seconds if summary.seconds > 0 else 0.0
    print(f"recover ingest: {summary.exports} export(s) -> {summary.raw_dir}", file=out)
    print(
        f"  landed  {summary.landed} member(s): {summary.bytes_in / MB:.1f} MB "
        f"({summary.bytes_out / MB:.1f} MB gzip) in {summary.seconds:.1f} s, {rate:.1f} MB/s",
        file=out,
    )
    by_reason, unusual = summary.skipped_by_reason()
    detail = ", ".join(f"{n} {reason}" for reason, n in sorted(by_reason.items()))
    print(f"  skipped {len(summary.skipped)} member(s){': ' + detail if detail else ''}", file=out)
    for line in unusual:
        print(f"    {line}", file=out)
    if summary.unmodelled:
        print(
            "  unmodelled data types (landed under their own dataset= folder, no raw table): "
            + ", ".join(summary.unmodelled),
            file=out,
        )
    print(f"  {summary.catalog}", file=out)


def print_build_summary(result: BuildResult, lake, namespace: str, target: str = LOCAL) -> None:
    out = sys.stdout
    if result.up_to_date and result.plan is not None:
        print(f"Nothing to build in {namespace}: {result.plan.reason}.", file=out)
        return
    where = database_path(lake, namespace) if target == LOCAL else f"target {target}"
    state = "published" if result.published else "NOT published: readers keep the previous build"
    print(f"\nRun {result.run_id} ({state}); curated tables in schema {namespace} ({where}):",
          file=out)
    if result.plan is not None:
        print(f"  {result.plan.reason}", file=out)
    width = max((len(t) for t in result.row_counts), default=10)
    for table, rows in sorted(result.row_counts.items()):
        print(f"  {table:<{width}}  {rows:>10,} rows", file=out)
    for table, location in sorted(result.locations.items()):
        print(f"  {table}  {location}", file=out)
    built = sum(1 for s in result.models.values() if s == "success")
    tests = result.tests
    print(f"\nModels built: {built}/{len(result.models)}   Tests: {tests.get('pass', 0)} passed, "
          f"{tests.get('warn', 0)} warned, {tests.get('fail', 0) + tests.get('error', 0)} failed",
          file=out)
    for name in result.warnings:
        print(f"  warn: {name}", file=out)
    if target == LOCAL:
        from recover.ingest.local_sink import unmodelled_datasets

        unmodelled = unmodelled_datasets(lake, namespace)
        if unmodelled:
            print("Unmodelled data types in the raw zone (landed, not built): "
                  f"{', '.join(unmodelled)}", file=out)
        if result.row_counts and parquet_dir(lake, namespace).exists():
            print(f"Parquet: {parquet_dir(lake, namespace)}", file=out)
    if result.run_dir is not None:
        print(f"Run artifacts: {result.run_dir}", file=out)
    if result.artifacts_uri is not None:
        print(f"Run artifacts in the lake: {result.artifacts_uri}", file=out)
    if result.report_uri is not None:
        print(f"Run report: {result.report_uri}", file=out)
    elif result.report is not None:
        print(f"Run report: {result.report}", file=out)
    elif result.report_error is not None:
        print(f"Run report: not written ({result.report_error})", file=out)
    print(f"Build time: {result.seconds:.1f} s", file=out)
    for failure in result.failures:
        print(f"FAILED {failure}", file=sys.stderr)
