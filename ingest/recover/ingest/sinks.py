"""What an ingest writes to: a raw zone, its commit records and the catalog of its raw tables.

Two sinks share the one plan/land core (core.py): local_sink.py (a directory; the build makes
DuckDB raw views from the commit records, macros/raw_views.sql) and recover.aws.s3_sink (an S3
bucket + Glue tables, recover.aws.glue_catalog). Per export, a sink names where each member
lands, writes a member's gzip chunks there so that the result appears whole or not at all,
sweeps what an earlier attempt left in the export's folders, writes the commit record last
and then makes the export visible to the raw tables. storage.py decides which sink a lake gets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from recover.ingest.commits import Commit
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
    crc32: str = ""  # of the uncompressed member, 8 hex digits
    lines: int = 0


class Sink(Protocol):
    root: str  # the raw zone, as users name it (`/lake/ns/raw`, `s3://bucket/ns/raw`)
    namespace: str

    def target(self, data_type: str, cohort: str, export: str, identifier: str) -> str:
        """Where a member lands: a path or an s3:// URI, unique per raw file. ValueError with
        the reason when the name cannot land there (too long for the file system or S3)."""
        ...

    def lock(self, cohort: str, export: str) -> AbstractContextManager[None]:
        """Held while one export is landed and committed (SinkError when another holds it)."""
        ...

    def write(self, target: str, chunks: Iterable[bytes]) -> int:
        """Write the chunks to `target`, whole or not at all; return the bytes written.

        An exception from `chunks` (a corrupt member) propagates unchanged and leaves nothing
        behind; the sink's own failures raise SinkError.
        """
        ...

    def sweep(self, cohort: str, export: str, keep: set[str]) -> list[str]:
        """Remove every file in the export's folders that is not in `keep` (members of an
        earlier delivery, temporary files of a killed run); return what was removed."""
        ...

    def commit(self, commit: Commit) -> str:
        """Write the export's commit record (whole or not at all); return where it is."""
        ...

    def read_commit(self, cohort: str, export: str) -> Commit | None:
        """The export's commit record, if it has one."""
        ...

    def committed(self) -> list[Commit]:
        """Every commit record of the namespace."""
        ...

    def landed(self) -> dict[tuple[str, str], list[str]]:
        """Raw files by (cohort, export id), committed or not: what the raw zone holds."""
        ...

    def register(self, commits: Sequence[Commit], types: Registry) -> str:
        """Make committed exports visible to the raw tables; return one summary line."""
        ...
