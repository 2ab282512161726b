"""The lake's layout, names and files: where everything lives, under a local directory or S3.

    {lake}/{ns}/raw/dataset={DataType}/cohort={cohort}/export={export}/{member}.ndjson.gz
    {lake}/{ns}/raw/_exports/{cohort}/{export}.json      an export's commit record, written last
    {lake}/{ns}/recover.duckdb                           local curated tables (schema {ns})
    {lake}/{ns}/parquet/dataset_{table}/cohort={cohort}/*.parquet   curated Parquet
    {lake}/{ns}/runs/{run_id}/                           a build's artifacts (results, logs)

Locally `recover.duckdb` and `parquet` are links into `builds/{run_id}/` through the link
`current`, which a build replaces in one rename when it publishes (recover/build/publish.py).

Namespaces and cohorts become folder, schema and Glue database names, so only plain
identifiers are accepted (IDENTIFIER_PATTERN; the dbt on-run-start check reads the same
pattern from the generated registry macro). An export's id is its archive name with anything
but letters, digits and `._-` replaced by `-`.

Local files are written atomically: a file appears whole or not at all. It is written to a
hidden temporary file in the same directory (`.{name}.{random}.tmp`, which nothing reads),
fsynced, then renamed over the final name with os.replace (atomic on POSIX). Keys and bytes
are deterministic, so re-ingesting an export rewrites identical files (idempotent). Files are
created with mode FILE_MODE (0640) and folders with DIR_MODE (0750), since they hold health
data; RECOVER_FILE_MODE / RECOVER_DIR_MODE (octal) override them.
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
EXPORTS_DIR = "_exports"
IDENTIFIER_PATTERN = "[a-z][a-z0-9_]*"
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_EXPORT_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
MAX_NAME_BYTES = 255 - 22  # a file name, leaving room for the temporary name `.{name}.{16}.tmp`
MAX_S3_KEY_BYTES = 1024
TMP_SUFFIX = ".tmp"


def check_identifier(what: str, value: str, hint: str = "") -> str:
    """Return `value` if it is a plain identifier, else raise ValueError naming `what`."""
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not a plain identifier ({IDENTIFIER_PATTERN}){hint}")
    return value


def export_id(name: str) -> str:
    """The id of an export in the lake (`2024-06-09T00:12:49Z_0b6f` -> `2024-06-09T00-12-49Z_0b6f`)."""
    ident = _EXPORT_UNSAFE.sub("-", name)
    if not ident.strip(".-") or ident.startswith("."):
        raise ValueError(f"export name {name!r} gives no usable id")
    return ident


def file_mode() -> int:
    return int(os.environ.get("RECOVER_FILE_MODE", "0640"), 8)


def dir_mode() -> int:
    return int(os.environ.get("RECOVER_DIR_MODE", "0750"), 8)


def is_s3_uri(location: str | Path) -> bool:
    return str(location).startswith("s3://")


def split_s3_uri(uri: str | Path) -> tuple[str, str]:
    """`s3://bucket/key/with/slashes` -> (bucket, key); ValueError when it is not such a URI."""
    parts = urlsplit(str(uri))
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{uri}: not an s3://bucket/key URI")
    return parts.netloc, parts.path.lstrip("/")


# -- keys: the same below a local lake and an S3 bucket ------------------------------------------


def raw_prefix(namespace: str) -> str:
    return f"{namespace}/raw/"


def raw_key(namespace: str, data_type: str, cohort: str, export: str, identifier: str) -> str:
    """A member's raw file relative to the lake, `/`-separated.

    `export` is the export's id, `identifier` the member's basename without its extension.
    """
    return (f"{namespace}/raw/dataset={data_type}/cohort={cohort}/export={export}/"
            f"{identifier}{RAW_SUFFIX}")


def partition_key(namespace: str, data_type: str, cohort: str, export: str) -> str:
    """The folder of one export's members of one data type (a raw table partition)."""
    return f"{namespace}/raw/dataset={data_type}/cohort={cohort}/export={export}/"


def commit_key(namespace: str, cohort: str, export: str) -> str:
    """An export's commit record: it exists once every member of the export has landed."""
    return f"{namespace}/raw/{EXPORTS_DIR}/{cohort}/{export}.json"


def commits_prefix(namespace: str) -> str:
    return f"{namespace}/raw/{EXPORTS_DIR}/"


# -- local paths ---------------------------------------------------------------------------------


def raw_zone(lake: Path, namespace: str) -> Path:
    return Path(lake) / namespace / "raw"


def database_path(lake: Path, namespace: str) -> Path:
    """The published local database (curated tables in schema `{ns}`)."""
    return Path(lake) / namespace / DATABASE_FILE


def parquet_dir(lake: Path, namespace: str, table: str | None = None) -> Path:
    """The published curated Parquet of a local lake (of one table, when given)."""
    root = Path(lake) / namespace / "parquet"
    return root / table if table else root


def runs_dir(lake: Path, namespace: str) -> Path:
    return Path(lake) / namespace / "runs"


def make_dirs(path: Path) -> None:
    """mkdir -p with DIR_MODE for the folders it creates."""
    path = Path(path)
    if path.is_dir():
        return
    make_dirs(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=dir_mode())
        os.chmod(path, dir_mode())  # mkdir's mode is masked by the umask


def write_atomic(path: Path, chunks: Iterable[bytes]) -> int:
    """Write `chunks` to `path` atomically and durably; return the bytes written.

    If the iterable raises (a corrupt member is only detected at its end), the temporary file
    is removed, the exception propagates and any previous file at `path` is left untouched.
    """
    make_dirs(path.parent)
    tmp_name = path.parent / f".{path.name}.{secrets.token_hex(8)}{TMP_SUFFIX}"
    # O_EXCL: never share a temporary file with a concurrent writer.
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
    written = 0
    try:
        os.fchmod(fd, file_mode())  # the umask may have narrowed or widened nothing; be exact
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


def is_temporary(path: Path) -> bool:
    """A temporary file of write_atomic (a leftover when its writer was killed)."""
    return path.name.startswith(".") and path.name.endswith(TMP_SUFFIX)


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
