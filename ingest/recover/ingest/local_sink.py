"""The local sink: raw files and commit records in a lake directory (recover.lake).

The raw tables of a local lake are DuckDB views that every dbt run on the local target creates
from the commit records, in its own database (macros/raw_views.sql), so an ingest never opens a
DuckDB file and cannot collide with a reader or a build.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from recover.ingest.commits import Commit, local_commits
from recover.ingest.sinks import SinkError
from recover.lake import (
    MAX_NAME_BYTES,
    commit_key,
    make_dirs,
    raw_key,
    raw_zone,
    write_atomic,
)
from recover.registry import Registry, load


class LocalSink:
    """`{lake}/{ns}/raw/...` on local disk."""

    def __init__(self, lake: str | Path, namespace: str) -> None:
        self.lake = Path(lake).absolute()
        self.namespace = namespace
        self.root = str(raw_zone(self.lake, namespace))

    def target(self, data_type: str, cohort: str, export: str, identifier: str) -> str:
        path = self.lake / raw_key(self.namespace, data_type, cohort, export, identifier)
        if len(path.name.encode()) > MAX_NAME_BYTES:
            raise ValueError(f"raw file name of {len(path.name.encode())} bytes is longer than "
                             f"the {MAX_NAME_BYTES} a file system allows (with its temporary name)")
        return str(path)

    @contextlib.contextmanager
    def lock(self, cohort: str, export: str) -> Iterator[None]:
        path = self.lake / self.namespace / ".locks" / f"ingest-{cohort}-{export}.lock"
        make_dirs(path.parent)
        with open(path, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SinkError(f"export {export} ({cohort}) is being ingested by another "
                                "process; try again when it is done") from None
            yield

    def write(self, target: str, chunks: Iterable[bytes]) -> int:
        try:
            return write_atomic(Path(target), chunks)
        except OSError as exc:
            raise SinkError(f"cannot write {target}: {exc}") from None

    def sweep(self, cohort: str, export: str, keep: set[str]) -> list[str]:
        removed = []
        zone = Path(self.root)
        for folder in zone.glob(f"dataset=*/cohort={cohort}/export={export}"):
            for path in sorted(folder.iterdir()):
                if str(path) not in keep:
                    path.unlink()
                    removed.append(str(path))
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when it is empty
        return removed

    def commit(self, commit: Commit) -> str:
        path = self.lake / commit.key(self.namespace)
        try:
            write_atomic(path, [commit.to_json()])
        except OSError as exc:
            raise SinkError(f"cannot write the commit record {path}: {exc}") from None
        return str(path)

    def read_commit(self, cohort: str, export: str) -> Commit | None:
        path = self.lake / commit_key(self.namespace, cohort, export)
        return Commit.from_json(path.read_bytes(), str(path)) if path.is_file() else None

    def committed(self) -> list[Commit]:
        return local_commits(self.lake, self.namespace)

    def landed(self) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = {}
        for folder in sorted(Path(self.root).glob("dataset=*/cohort=*/export=*")):
            key = (folder.parent.name.removeprefix("cohort="), folder.name.removeprefix("export="))
            out.setdefault(key, []).extend(str(p) for p in sorted(folder.iterdir()))
        return out

    def register(self, commits: Sequence[Commit], types: Registry) -> str:
        return (f"committed {len(commits)} export(s); the raw views of {self.namespace}_raw "
                "are made from the commit records by the next `recover build`")


def unmodelled_datasets(lake: Path, namespace: str, types: Registry | None = None) -> list[str]:
    """Data types present under raw/ (`dataset=X`) that the registry does not know."""
    types = types if types is not None else load()
    zone = raw_zone(lake, namespace)
    if not zone.is_dir():
        return []
    found = (p.name.removeprefix("dataset=") for p in zone.iterdir() if p.name.startswith("dataset="))
    return sorted(name for name in found if name not in types)
