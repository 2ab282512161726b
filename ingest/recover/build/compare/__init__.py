"""Compare the published tables of two namespaces (a branch's build against `main`), in the engine.

    core.py     compare(runner, base, candidate, ...) -> Comparison: per table, schema
                differences, row counts, rows only in one side, rows whose values differ, and
                a few examples of each
    runners.py  DuckDBRunner (a local lake: both published databases ATTACHed READ_ONLY to one
                in-memory connection), AthenaRunner (AWS: the schemas `{ns}` of the data
                catalog, queried by Athena), runner_for(lake, ...)
    sql.py      the SQL, one text for both engines
    model.py    the results (TableResult, Comparison, Example)
    report.py   render(comparison, "text"|"markdown"|"html")
    changes.py  code_changes: what a branch's code changed, against a baseline with more exports

The work runs where the data is: each table is compared by one aggregate query (and, when they
differ, one more for the examples), and only counts and at most `examples` rows per kind come
back to Python, so memory does not grow with the tables. The SQL is plain (UNION ALL, GROUP BY,
CASE, IS DISTINCT FROM, row_number): DuckDB and Athena (Trino) run the same text; a runner
only says how a table is named and how its columns are listed.

How rows are matched
--------------------
* Tables: by default every curated table of the registry (parents and child tables) found in
  either namespace's schema `{ns}`; `select` takes names or globs (`dataset_fitbit*`) over the
  tables of both schemas (monitoring tables included, when named). A table in only one side is
  reported as such. The restricted schema `{ns}_restricted` is compared only when asked, and no
  value of it is ever fetched: its examples show the key and the names of differing columns.
* Columns: schema differences (columns only in one side, type changes; names matched
  case-insensitively, as Athena lower-cases them) are reported; rows are compared on the
  columns present on both sides with the same type. Columns that differ by construction between
  builds (EXCLUDED_COLUMNS: run ids and timestamps; the curated tables carry none, the
  monitoring table record_counts does) are left out.
* Key: the table's key from the registry (recover.registry.layout.key_columns: a parent's index
  fields; a child's parent index fields, `{parent}_index` for nested arrays, and `index`), the
  columns its uniqueness test checks. Rows are grouped by key over both sides at once, which is
  a full outer join on the key in which NULL key parts match each other (IS NOT DISTINCT FROM);
  a key only in the base is a row only in the base, a key in both whose values differ (IS
  DISTINCT FROM, NULL = NULL) a differing row.
* No usable key: when the table has no registry key (a monitoring table), a key column is
  missing on a side, or a key value occurs more than once on a side (the uniqueness test
  failed), the table is compared as two multisets of rows: a row that occurs n times in the
  base and m times in the candidate counts |n - m| times as only in the side with more; no row
  is "differing" then. The report says which method it used and how many keys are duplicated.
"""

from __future__ import annotations

from recover.build.compare.changes import changes_markdown, code_changes
from recover.build.compare.core import compare, compare_table, select_tables
from recover.build.compare.model import (
    EXCLUDED_COLUMNS,
    CompareError,
    Comparison,
    Example,
    TableResult,
)
from recover.build.compare.report import RENDERERS, render
from recover.build.compare.runners import AthenaRunner, DuckDBRunner, Runner, runner_for

__all__ = [
    "EXCLUDED_COLUMNS",
    "RENDERERS",
    "AthenaRunner",
    "CompareError",
    "Comparison",
    "DuckDBRunner",
    "Example",
    "Runner",
    "TableResult",
    "changes_markdown",
    "code_changes",
    "compare",
    "compare_table",
    "render",
    "runner_for",
    "select_tables",
]
