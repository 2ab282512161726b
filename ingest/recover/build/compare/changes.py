"""What a branch's code changed, from a comparison of its namespace with a baseline that holds
more exports (the CI's integration run: `recover integration-run`).

The namespace holds only the baseline's newest exports, so rows only in the baseline are its
older exports, not changes. What the code can change: a schema difference, a table on one side
only, and values that differ for the same key (a key's newest delivery is in the recent
exports, so its values match unless the code treats it differently).
"""

from __future__ import annotations

from dataclasses import replace

from recover.build.compare.model import Comparison, TableResult
from recover.build.compare.report import render


def code_changes(comparison: Comparison) -> list[TableResult]:
    """The tables (base = the baseline, candidate = the namespace) the code changed."""
    return [t for t in comparison.tables
            if t.schema_differs or not (t.in_base and t.in_candidate) or t.differing]


def changes_markdown(comparison: Comparison) -> str:
    changed = code_changes(comparison)
    head = (f"`recover compare` of {len(comparison.tables)} curated table(s): "
            f"{len(changed)} changed by the code (schema, a table on one side only, or values "
            "that differ for the same key). Rows only in the baseline are its older exports "
            "and are not counted.")
    if not changed:
        return head + "\n"
    return head + "\n\n" + render(replace(comparison, tables=changed), "markdown")
