"""The lake's layout, names and files: where everything lives, under a local directory or S3.

    {lake}/{ns}/raw/dataset={DataType}/cohort={cohort}/{member basename}.ndjson.gz   raw zone
    {lake}/{ns}/recover.duckdb                                   local curated tables (schema {ns})
    {lake}/{ns}/parquet/dataset_{table}/cohort={cohort}/*.parquet   curated Parquet

Namespaces and cohorts become folder, schema and Glue database names, so only plain
identifiers are accepted (IDENTIFIER_PATTERN; the dbt on-run-start check reads the same
pattern from the generated registry macro).

Local raw files are written atomically: a raw file appears whole or not at all: it is written to a hidden temporary file in the same
directory (`.{name}.{random}.tmp`, which no `*.ndjson.gz` glob reads), fsynced, then renamed
over the final name with os.replace (atomic on POSIX). Keys and bytes are deterministic, so
re-ingesting an export rewrites identical files (idempotent).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

RAW_SUFFIX = ".ndjson.gz"
DATABASE_FILE = "recover.duckdb"
IDENTIFIER_PATTERN = "[a-z][a-z0-9_]*"
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


def check_identifier(what: str, value: str, hint: str = "") -> str:
    """Return `value` if it is a plain identifier, else raise ValueError naming `what`."""
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not a plain identifier ({IDENTIFIER_PATTERN}){hint}")
    return value


def is_s3_uri(location: str | Path) -> bool:
    return str(location).startswith("s3://")


def split_s3_uri(uri: str | Path) -> tuple[str, str]:
    """`s3://bucket/key/with/slashes` -> (bucket, key); ValueError when it is not such a URI."""
    parts = urlsplit(str(uri))
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{uri}: not an s3://bucket/key URI")
    return parts.netloc, parts.path.lstrip("/")


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


def database_path(lake: Path, namespace: str) -> Path:
    """The local target's DuckDB file (curated tables in schema `{ns}`, raw views in `{ns}_raw`)."""
    return Path(lake) / namespace / DATABASE_FILE


def parquet_dir(lake: Path, namespace: str, table: str | None = None) -> Path:
    """The curated Parquet of a local lake (of one table, when given)."""
    root = Path(lake) / namespace / "parquet"
    return root / table if table else root


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
