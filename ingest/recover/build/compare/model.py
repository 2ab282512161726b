"""The results of a comparison: per table (TableResult), with its examples, and overall."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Columns whose values differ by construction between two builds of the same data.
EXCLUDED_COLUMNS = ("run_id", "run_started_at", "invocation_id", "built_at")
KINDS = ("only_base", "only_candidate", "differing")
KIND_TITLES = {"only_base": "only in base", "only_candidate": "only in candidate",
               "differing": "values differ"}
PUBLIC, RESTRICTED = "public", "restricted"


class CompareError(Exception):
    """The comparison cannot run (no published build, unknown table, engine failure); one line."""


# -- results -------------------------------------------------------------------------------------


@dataclass
class Example:
    """One example row: its key (or, compared as multisets, its values) and, for a differing
    row, (column, base value, candidate value) of each column that differs (values None for
    restricted tables: never fetched)."""

    key: dict[str, Any]
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    count: int = 1  # multisets: how many more copies the side holds


@dataclass
class TableResult:
    table: str
    schema: str = PUBLIC  # public ({ns}) | restricted ({ns}_restricted)
    in_base: bool = True
    in_candidate: bool = True
    key: tuple[str, ...] = ()
    method: str = "key"  # key | multiset | none (table in one side only)
    rows_base: int | None = None
    rows_candidate: int | None = None
    only_base: int = 0
    only_candidate: int = 0
    differing: int = 0
    duplicate_keys: tuple[int, int] = (0, 0)  # keys occurring more than once: base, candidate
    columns_only_base: list[tuple[str, str]] = field(default_factory=list)
    columns_only_candidate: list[tuple[str, str]] = field(default_factory=list)
    type_changes: list[tuple[str, str, str]] = field(default_factory=list)
    compared_columns: int = 0
    excluded: list[str] = field(default_factory=list)
    examples: dict[str, list[Example]] = field(default_factory=lambda: {k: [] for k in KINDS})
    note: str = ""

    @property
    def name(self) -> str:
        return self.table if self.schema == PUBLIC else f"{RESTRICTED}.{self.table}"

    @property
    def schema_differs(self) -> bool:
        return bool(self.columns_only_base or self.columns_only_candidate or self.type_changes)

    @property
    def differs(self) -> bool:
        return (not (self.in_base and self.in_candidate) or self.schema_differs
                or self.rows_base != self.rows_candidate
                or bool(self.only_base or self.only_candidate or self.differing))

    @property
    def status(self) -> str:
        if not self.in_candidate:
            return "only in base"
        if not self.in_base:
            return "only in candidate"
        return "differs" if self.differs else "equal"


@dataclass
class Comparison:
    base: str
    candidate: str
    where: str  # the lake, or "Athena (workgroup ...)"
    base_build: str = ""
    candidate_build: str = ""
    tables: list[TableResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def differs(self) -> bool:
        return any(t.differs for t in self.tables)

    @property
    def different(self) -> list[TableResult]:
        return [t for t in self.tables if t.differs]
