"""The local raw zone: one gzip NDJSON file per export member, written atomically.

Layout (ARCHITECTURE.md, identical under S3):
`{lake}/{ns}/raw/dataset={DataType}/cohort={cohort}/{member basename without .json}.ndjson.gz`.

A raw file appears whole or not at all: it is written to a hidden temporary file in the same
directory (`.{name}.{random}.tmp`, which no `*.ndjson.gz` glob reads), fsynced, then renamed
over the final name with os.replace (atomic on POSIX). Keys and bytes are deterministic, so
re-ingesting an export rewrites identical files (idempotent).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

RAW_SUFFIX = ".ndjson.gz"


def raw_zone(lake: Path, namespace: str) -> Path:
    return Path(lake) / namespace / "raw"


def dataset_dir(lake: Path, namespace: str, data_type: str) -> Path:
    return raw_zone(lake, namespace) / f"dataset={data_type}"


def raw_key(namespace: str, data_type: str, cohort: str, identifier: str) -> str:
    """A member's raw file relative to the lake, `/`-separated: the same key locally and on S3.

    `identifier` is the member's basename without its extension.
    """
    return f"{namespace}/raw/dataset={data_type}/cohort={cohort}/{identifier}{RAW_SUFFIX}"


def raw_path(lake: Path, namespace: str, data_type: str, cohort: str, identifier: str) -> Path:
    """Where a member lands in a local lake."""
    return Path(lake) / raw_key(namespace, data_type, cohort, identifier)


def write_atomic(path: Path, chunks: Iterable[bytes]) -> int:
    """Write `chunks` to `path` atomically and durably; return the bytes written.

    If the iterable raises (a corrupt member is only detected at its end), the temporary file
    is removed, the exception propagates and any previous file at `path` is left untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_name = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    # O_EXCL: never share a temporary file with a concurrent writer; 0o666 & umask, like open().
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                written += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)
    return written


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (a no-op where directories cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
