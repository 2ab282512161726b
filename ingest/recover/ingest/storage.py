"""Local paths or S3: decided here, once, for the exports an ingest reads and the lake it writes.

`Storage.open_export()` opens an export from a local path or an s3:// URI (ranged GETs, never
downloaded whole); `Storage.sink()` gives the local or the S3 sink of a lake. boto3 is imported
and a session created only when an s3:// location is involved, so the local path never needs
AWS libraries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from recover.ingest.export import Export, ExportError
from recover.ingest.sinks import Sink
from recover.lake import is_s3_uri, split_s3_uri


class UsageError(Exception):
    """Arguments that cannot be used (exit 2)."""


class Storage:
    """Opens exports and lakes; `session` is the boto3 Session for S3 (default: a new one)."""

    def __init__(self, session: Any = None) -> None:
        self._session = session
        self._s3 = None

    @property
    def session(self) -> Any:
        if self._session is None:
            import boto3

            self._session = boto3.Session()
        return self._session

    def _s3_client(self) -> Any:
        if self._s3 is None:
            self._s3 = self.session.client("s3")
        return self._s3

    @contextmanager
    def open_export(self, location: str) -> Iterator[Export]:
        """An export from a local path or an s3:// URI (read in place with ranged GETs)."""
        if not is_s3_uri(location):
            with Export.open(location) as export:
                yield export
            return
        from recover.aws.s3_file import S3File

        try:
            fileobj = S3File.open(self._s3_client(), location)
        except (ValueError, OSError) as exc:
            raise ExportError(location, f"cannot open export: {exc}") from None
        with closing(fileobj), Export(fileobj, location) as export:
            yield export

    def sink(self, lake: str | Path, namespace: str) -> Sink:
        """The sink of a lake: a local directory, or s3://bucket[/prefix]."""
        if is_s3_uri(lake):
            from recover.aws.s3_sink import S3Sink

            try:
                split_s3_uri(str(lake))
            except ValueError:
                raise UsageError(f"--lake {lake}: not an s3://bucket URI") from None
            return S3Sink(str(lake), namespace, self.session)
        from recover.ingest.local_sink import LocalSink

        return LocalSink(lake, namespace)
