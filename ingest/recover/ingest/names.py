"""Export member names: which members are processed and what their names mean (the admission
rule and the file-name grammar of docs/data-contract.md, "Exports").

Pure functions, no I/O: the ingest, the Lambda adapter and the tests all read names the same way.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from datetime import date

# The grammar gives a subtype token only to these two data types (docs/data-contract.md). This is a rule of
# the file-name grammar, not a list of data types: the registry stays the only list of those.
SUBTYPED_TYPES = frozenset({"HealthKitV2Samples", "HealthKitV2Statistics"})
HEALTHKIT_PREFIX = "HealthKitV2"  # only these names may carry the deletions token
DELETED = "Deleted"

# Tokens become a folder (`dataset=...`) and a file name in the lake, so the grammar only admits
# plain alphanumeric tokens; real exports never use anything else.
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_TYPE_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_DATE_TOKEN = re.compile(r"(?:([0-9]{8})-)?([0-9]{8})")  # ASCII digits only, not Python's \d
_DRIVE = re.compile(r"[A-Za-z]:")

SUBFOLDER = "inside a sub-folder"  # the skip reason that deserves a warning


class MemberNameError(ValueError):
    """A member name that does not follow the file-name grammar (docs/data-contract.md)."""

    def __init__(self, member: str, reason: str) -> None:
        super().__init__(f"{member}: file name does not follow the export grammar: {reason}")
        self.member = member
        self.reason = reason


@dataclass(frozen=True)
class MemberName:
    """What a member's file name says about its content."""

    data_type: str  # `HealthKitV2Samples_Deleted` for deletion files; the raw `dataset=` folder
    subtype: str | None  # HealthKitV2Samples/Statistics only; becomes `Type` in SQL
    start_date: date | None  # None for end-only (snapshot) names
    end_date: date
    basename_no_ext: str  # the member's identifier, kept verbatim in the raw file name

    @property
    def export_start_date(self) -> str | None:
        """Naive ISO-8601 timestamp at midnight (`2023-01-12T00:00:00`), or None."""
        return None if self.start_date is None else _iso_midnight(self.start_date)

    @property
    def export_end_date(self) -> str:
        return _iso_midnight(self.end_date)


def _iso_midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def _parse_day(token: str, member: str) -> date:
    try:
        return date(int(token[:4]), int(token[4:6]), int(token[6:8]))
    except ValueError:
        raise MemberNameError(member, f"{token!r} is not a valid YYYYMMDD date") from None


def parse_member_name(name: str) -> MemberName:
    """Parse a member name (or path; only its basename is read) by the file-name grammar (docs/data-contract.md).

    Strip the extension and split on `_`: the first token is the data type, the last the
    dates (`start-end` or end only, `YYYYMMDD`); `HealthKitV2*` names whose second-to-last
    token is `Deleted` belong to `{type}_Deleted`; HealthKitV2Samples/Statistics carry a
    subtype as their second token. Anything else raises MemberNameError naming the member.
    """
    basename = posixpath.basename(name)
    stem, _ext = posixpath.splitext(basename)
    tokens = stem.split("_")
    if len(tokens) < 2:
        raise MemberNameError(name, "expected {DataType}_{dates}, found no '_'")
    first, date_token = tokens[0], tokens[-1]
    if not _TYPE_TOKEN.fullmatch(first):
        raise MemberNameError(name, f"data type {first!r} is not alphanumeric")
    for token in tokens[1:-1]:
        if not _TOKEN.fullmatch(token):
            raise MemberNameError(name, f"token {token!r} is empty or not alphanumeric")
    dates = _DATE_TOKEN.fullmatch(date_token)
    if not dates:
        raise MemberNameError(name, f"last token {date_token!r} is not YYYYMMDD or YYYYMMDD-YYYYMMDD")
    start = _parse_day(dates.group(1), name) if dates.group(1) else None
    end = _parse_day(dates.group(2), name)
    if start is not None and start > end:
        raise MemberNameError(name, f"start date {start} is after end date {end}")

    subtype = None
    if first in SUBTYPED_TYPES:
        if len(tokens) < 3:
            raise MemberNameError(name, f"{first} names need a subtype token")
        subtype = tokens[1]
    deleted = [t for t in tokens[1:-1] if t.lower() == DELETED.lower()]
    if any(t != DELETED for t in deleted):
        raise MemberNameError(name, f"the deletions token must be spelled {DELETED!r} exactly, "
                                    f"found {deleted[0]!r}")
    if deleted and (not first.startswith(HEALTHKIT_PREFIX) or tokens[-2] != DELETED):
        raise MemberNameError(name, f"{DELETED!r} belongs just before the dates of HealthKitV2 "
                                    "names only")
    data_type = f"{first}_{DELETED}" if deleted else first
    return MemberName(data_type, subtype, start, end, stem)


def is_unsafe_path(name: str) -> bool:
    """True for a member name that could escape the directory it is extracted to.

    Any `..` (even inside a file name: strict on purpose, real exports never have one), an
    absolute POSIX or Windows path (`/x`, `\\x`), a drive path (`C:x`) or a NUL byte. One such
    member makes the whole archive suspect, so the caller refuses the archive.
    """
    return (
        ".." in name
        or name.startswith(("/", "\\"))
        or bool(_DRIVE.match(name))
        or "\x00" in name
    )


def skip_reason(name: str, uncompressed_size: int) -> str | None:
    """Why a member is not processed (the admission rule), or None when it is admitted.

    Skipped: members inside a sub-folder (a pilot-data artefact upstream), any name containing
    `Manifest`, and zero-byte members (how an export says "no records"). The extension is not
    checked: any other root-level non-empty member is NDJSON.
    """
    if name.endswith("/"):
        return "folder entry"
    if "/" in name or "\\" in name:
        return SUBFOLDER
    if "Manifest" in name:
        return "manifest"
    if uncompressed_size <= 0:
        return "empty (0 bytes)"
    return None


def admitted(name: str, uncompressed_size: int) -> bool:
    """True when the member is processed (the admission rule); see skip_reason() for why not."""
    return skip_reason(name, uncompressed_size) is None
