"""Write the local target's curated tables as Parquet, partitioned by cohort.

`{lake}/{ns}/parquet/dataset_{table}/cohort={cohort}/part-N.parquet`. A table's export is
written to a temporary sibling folder first and swapped in with renames, so a failed export
never leaves a half-written dataset where the previous good one was.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from recover.lake import database_path, parquet_dir


def export_parquet(lake: Path, namespace: str, tables: list[str]) -> dict[str, int]:
    """COPY each curated table to Parquet partitioned by cohort, swapped in atomically."""
    import duckdb

    counts: dict[str, int] = {}
    con = duckdb.connect(str(database_path(lake, namespace)), read_only=True)
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

    con = duckdb.connect(str(database_path(lake, namespace)), read_only=True)
    try:
        return {t: con.execute(f'select count(*) from "{namespace}"."{t}"').fetchone()[0]
                for t in tables}
    finally:
        con.close()
