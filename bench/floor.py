"""The floor for the build: a bare DuckDB scan of the raw zone written straight to Parquet.

    python bench/floor.py --lake DIR --namespace NS --out DIR

For every registry data type with raw files: `COPY (SELECT <every registry column as VARCHAR>,
filename, cohort FROM read_json(raw glob, ...)) TO {out}/dataset={Type} (FORMAT parquet,
PARTITION_BY (cohort), COMPRESSION zstd)` -- the same read_json call as the local raw views
(macros/raw_views.sql), no typing, no flattening, no de-duplication, no child tables, no
tests. Any build must at least read and parse every raw byte once and write Parquet, so this
is its practical lower bound on the same engine and machine (in-memory DuckDB, all cores).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import duckdb
from recover import registry

MAX_OBJECT_SIZE = 64 * 1024 * 1024  # as the raw views: one NDJSON line may be large (ECGs)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scan_sql(folder: Path, columns: list[str]) -> str:
    glob = f"{folder.absolute()}/cohort=*/export=*/*.ndjson.gz"
    schema = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in columns)
    selected = ", ".join(quote(c) for c in columns)
    return (
        f"select {selected}, __file as filename, "
        "regexp_extract(__file, '/cohort=([^/]+)/', 1) as cohort "
        f"from read_json({literal(glob)}, format = 'newline_delimited', columns = {{{schema}}}, "
        "filename = '__file', hive_partitioning = false, compression = 'gzip', "
        f"maximum_object_size = {MAX_OBJECT_SIZE})"
    )


def run(lake: Path, namespace: str, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    counts: dict[str, int] = {}
    try:
        for dt in registry.load():
            folder = lake / namespace / "raw" / f"dataset={dt.name}"
            if not any(folder.glob("cohort=*/export=*/*.ndjson.gz")):
                continue
            target = out / f"dataset={dt.name}"
            shutil.rmtree(target, ignore_errors=True)
            started = time.monotonic()
            sql = scan_sql(folder, dt.raw_columns)
            rows = con.execute(
                f"copy ({sql}) to {literal(str(target))} "
                "(format parquet, partition_by (cohort), compression zstd)"
            ).fetchone()[0]
            counts[dt.name] = rows
            print(f"{dt.name}: {rows:,} rows, {time.monotonic() - started:.1f} s", flush=True)
    finally:
        con.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="bare DuckDB scan of the raw zone to Parquet")
    parser.add_argument("--lake", required=True, type=Path)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    started = time.monotonic()
    counts = run(args.lake, args.namespace, args.out)
    print(json.dumps({"row_counts": counts, "seconds": time.monotonic() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
