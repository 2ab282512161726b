"""What an ingest writes to: a raw zone plus the catalog of its raw tables.

Two sinks share the one plan/land core (core.py): local_sink.py (a directory + DuckDB views,
duckdb_catalog.py) and recover.aws.s3_sink (an S3 bucket + Glue tables, recover.aws.glue_catalog).
A sink names where a member lands, writes a member's gzip chunks there so that the result
appears whole or not at all, and registers the raw tables once every member landed.
storage.py decides which sink a lake gets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from recover.registry import Registry


class SinkError(Exception):
    """The raw zone or its catalog could not be written; the message names the target."""


@dataclass(frozen=True)
class Landed:
    """A member that landed whole: what the summary, the catalog and the Lambda's log need."""

    export: str
    member: str
    data_type: str
    cohort: str
    target: str
    bytes_in: int  # the member's uncompressed size
    bytes_out: int  # the raw gzip file's size
    seconds: float


class Sink(Protocol):
    root: str  # the raw zone, as users name it (`/lake/ns/raw`, `s3://bucket/ns/raw`)

    def target(self, data_type: str, cohort: str, identifier: str) -> str:
        """Where a member lands: a path or an s3:// URI, unique per raw file."""
        ...

    def write(self, target: str, chunks: Iterable[bytes]) -> int:
        """Write the chunks to `target`, whole or not at all; return the bytes written.

        An exception from `chunks` (a corrupt member) propagates unchanged and leaves nothing
        behind; the sink's own failures raise SinkError.
        """
        ...

    def register(self, landed: Sequence[Landed], types: Registry) -> str:
        """Create or refresh the raw tables; return one summary line. SinkError on failure."""
        ...
