"""`recover demo`: synthetic exports -> ingest -> build -> summary, on the local target.

Everything lands under one folder (default ./demo): exports in demo/exports/{cohort}/,
the lake in demo/lake/. Re-running starts from a clean lake so the summary is reproducible.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from recover.build import build
from recover.commands.progress import NodeCounter
from recover.commands.summaries import print_build_summary, print_ingest_summary
from recover.generate import generate_series
from recover.ingest import ExportError, IngestError, SinkError, UsageError, ingest

NAMESPACE = "demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default="demo", help="working folder (default: ./demo)")
    parser.add_argument("--exports", type=int, default=3, help="exports per cohort (default 3)")
    parser.add_argument("--size-mb", type=float, default=2.0,
                        help="approximate NDJSON MB per export (default 2)")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    root = Path(args.dir).resolve()
    exports_dir, lake = root / "exports", root / "lake"
    for folder in (exports_dir, lake):
        shutil.rmtree(folder, ignore_errors=True)
    print(f"1/3 generating {args.exports} synthetic exports per cohort in {exports_dir}",
          flush=True)
    exports = generate_series(exports_dir, exports=args.exports, size_mb=args.size_mb,
                              seed=args.seed)
    print(f"2/3 ingesting {len(exports)} exports into {lake} (namespace {NAMESPACE})", flush=True)
    try:
        summary = ingest([str(p) for p in exports], lake, NAMESPACE)
    except (UsageError, IngestError, ExportError, SinkError) as exc:
        print(f"recover demo: error: {exc}", file=sys.stderr)
        return 1
    print_ingest_summary(summary, sys.stdout)
    print("3/3 building the curated tables (dbt build, local DuckDB target)", flush=True)
    counter = NodeCounter(sys.stderr)
    try:
        result = build(lake, NAMESPACE, on_node=counter)
    finally:
        counter.close()
    print_build_summary(result, lake, NAMESPACE)
    if result.ok:
        db = lake / NAMESPACE / "recover.duckdb"
        print("\nQuery them, e.g.:\n  .venv/bin/python -c \"import duckdb; print(duckdb.connect("
              f"'{db}', read_only=True).sql('select * from {NAMESPACE}.dataset_fitbitsleeplogs "
              "limit 5'))\"")
    return 0 if result.ok else 1

