"""The local sink: raw files in a lake directory (recover.lake) and DuckDB raw views
(duckdb_catalog.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from recover.ingest.duckdb_catalog import raw_schema, refresh_raw_views
from recover.ingest.sinks import Landed, SinkError
from recover.lake import raw_path, raw_zone, write_atomic
from recover.registry import Registry


class LocalSink:
    """`{lake}/{ns}/raw/...` on local disk; raw views in `{lake}/{ns}/recover.duckdb`."""

    def __init__(self, lake: str | Path, namespace: str) -> None:
        self.lake = Path(lake).absolute()
        self.namespace = namespace
        self.root = str(raw_zone(self.lake, namespace))

    def target(self, data_type: str, cohort: str, identifier: str) -> str:
        return str(raw_path(self.lake, self.namespace, data_type, cohort, identifier))

    def write(self, target: str, chunks: Iterable[bytes]) -> int:
        try:
            return write_atomic(Path(target), chunks)
        except OSError as exc:
            raise SinkError(f"cannot write {target}: {exc}") from None

    def register(self, landed: Sequence[Landed], types: Registry) -> str:
        try:
            database = refresh_raw_views(self.lake, self.namespace, types)
        except SinkError as exc:
            raise SinkError(f"{len(landed)} member(s) landed, raw views not refreshed: {exc}") from None
        return f"raw views: {len(types)} in schema {raw_schema(self.namespace)} of {database}"
