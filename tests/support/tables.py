"""Comparing a curated table of another engine with the DuckDB build, row for row.

Values are normalised for type only: decimals and floats to 6 places (NaN as NULL), timestamps
to milliseconds without a zone; rows are compared as sorted lists.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from pathlib import Path

import duckdb
import pytest


def normalise(value):
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=value.microsecond // 1000 * 1000)
    return value


def rows(data) -> list[tuple]:
    return sorted((tuple(normalise(v) for v in r) for r in data), key=repr)


def duckdb_table(lake: Path, namespace: str, table: str) -> tuple[list[str], list[tuple]]:
    """(lower-cased column names, normalised rows) of a table of the published DuckDB build."""
    con = duckdb.connect(str(lake / namespace / "recover.duckdb"), read_only=True)
    try:
        rel = con.sql(f'select * from "{namespace}"."{table}"')
        return [c.lower() for c in rel.columns], rows(rel.fetchall())
    finally:
        con.close()


def assert_same_rows(table: str, engine: str, columns: list[str], expected: list[tuple],
                     data) -> None:
    """`data` (the engine's rows of `table`) equals DuckDB's `expected`, or the test fails with
    one example of each side's extra rows."""
    actual = rows(data)
    assert len(actual) == len(expected), table
    if actual != expected:
        missing = [r for r in expected if r not in actual][:1]
        extra = [r for r in actual if r not in expected][:1]
        pytest.fail(f"{table} differs\nduckdb only: {missing}\n{engine} only: {extra}\n{columns}")
