"""Write a local build's curated tables as Parquet, partitioned by cohort, into its own folder.

`{build}/parquet/dataset_{table}/cohort={cohort}/part-N.parquet`, one folder per curated table
of the build's database (every `dataset_*` table of schema `{ns}`, so the Parquet is always the
same build as the database). The folder is private to the build until publish.py switches
readers to it; files get the lake's file and folder modes.
"""

from __future__ import annotations

import os
from pathlib import Path

from recover import faults
from recover.lake import dir_mode, file_mode, make_dirs

# DuckDB's memory limit for the local build (dbt's connection reads the same variable in
# profiles/profiles.yml, with the same default); beyond it DuckDB spills to disk.
MEMORY_LIMIT_ENV = "RECOVER_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2.5GB"


def memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def curated_tables(con, namespace: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_name like 'dataset\\_%' escape '\\' order by 1", [namespace]).fetchall()
    return [r[0] for r in rows]


def export_parquet(database: Path, namespace: str, out_dir: Path) -> dict[str, int]:
    """COPY each curated table to Parquet partitioned by cohort; return the row counts."""
    import duckdb

    counts: dict[str, int] = {}
    con = duckdb.connect(str(database), read_only=True, config={"memory_limit": memory_limit()})
    try:
        for table in curated_tables(con, namespace):
            folder = Path(out_dir) / table
            make_dirs(folder)
            rel = f'"{namespace}"."{table}"'
            counts[table] = con.execute(f"select count(*) from {rel}").fetchone()[0]
            if counts[table]:
                con.execute(
                    f"copy (select * from {rel}) to {_literal(str(folder))} "
                    "(format parquet, partition_by (cohort), compression zstd, "
                    "overwrite_or_ignore, filename_pattern 'part-{i}')")
            faults.point("build.during_parquet")
    finally:
        con.close()
    _restrict(Path(out_dir))
    return counts


def count_rows(database: Path, namespace: str) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        return {t: con.execute(f'select count(*) from "{namespace}"."{t}"').fetchone()[0]
                for t in curated_tables(con, namespace)}
    finally:
        con.close()


def _restrict(root: Path) -> None:
    """The lake's modes on what DuckDB wrote (it creates files with the process umask)."""
    for folder, _dirs, files in os.walk(root):
        os.chmod(folder, dir_mode())
        for name in files:
            os.chmod(os.path.join(folder, name), file_mode())


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
