"""Plan an ingest: everything that can be checked before a byte is written.

Open every export's zip directory (refusing unsafe archives), apply the admission rule and the
file-name grammar (names.py) to every member and work out where each lands. Any problem stops
the run here, so bad input never leaves a partial raw zone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from recover.ingest.names import (
    SUBFOLDER,
    MemberName,
    MemberNameError,
    parse_member_name,
    skip_reason,
)
from recover.ingest.sinks import Sink
from recover.ingest.storage import Storage, UsageError
from recover.lake import check_identifier, export_id, is_s3_uri, split_s3_uri

Warn = Callable[[str], None]


class IngestError(Exception):
    """Input data that cannot be ingested (exit 1); the message names the export and member."""


@dataclass(frozen=True)
class Landing:
    member: str
    name: MemberName
    target: str  # a path or an s3:// URI, as the sink names it
    size: int


@dataclass
class ExportPlan:
    location: str  # a path or an s3:// URI
    cohort: str
    export_id: str  # the export's id in the lake (its partition and commit record)
    landings: list[Landing] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "member (reason)"

    @property
    def name(self) -> str:
        return PurePosixPath(split_s3_uri(self.location)[1] if is_s3_uri(self.location)
                             else Path(self.location).name).name


def default_cohort(export: str) -> str:
    """The export's parent folder name (`.../adults_v1/2024-06-09T00:12:49Z_x` -> adults_v1).

    For an S3 export the folder is the key's second-to-last component, which for the input
    bucket's `{ns}/{cohort}/{export}` keys is the upstream raw Lambda's positional rule.
    """
    if is_s3_uri(export):
        parts = PurePosixPath(split_s3_uri(export)[1]).parts
        return parts[-2] if len(parts) >= 2 else ""
    return Path(os.path.abspath(export)).parent.name


def checked(what: str, value: str, hint: str = "") -> str:
    """check_identifier, as a UsageError."""
    try:
        return check_identifier(what, value, hint)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _export_id(location: str) -> str:
    name = PurePosixPath(split_s3_uri(location)[1]).name if is_s3_uri(location) \
        else Path(location).name
    try:
        return export_id(name)
    except ValueError as exc:
        raise UsageError(f"{location}: {exc}") from None


def plan(exports: Sequence[str], sink: Sink, cohort: str | None, storage: Storage,
         warn: Warn) -> tuple[list[ExportPlan], list[str]]:
    """Check everything that can be checked without writing; return the plans and skips."""
    plans: list[ExportPlan] = []
    seen: dict[tuple[str, str], str] = {}  # (cohort, export id) -> location
    for location in exports:
        export_cohort = cohort
        if export_cohort is None:
            export_cohort = checked(f"{location}: cohort", default_cohort(location),
                                    " (the export's parent folder); pass --cohort")
        ident = _export_id(location)
        other = seen.get((export_cohort, ident))
        if other == location:
            warn(f"{location}: given twice; ingested once")
            continue
        if other is not None:
            raise UsageError(f"{location}: same export id {ident!r} in cohort {export_cohort} "
                             f"as {other}; ingest them separately")
        seen[(export_cohort, ident)] = location
        plans.append(ExportPlan(location, export_cohort, ident))

    skipped: list[str] = []
    targets: dict[str, tuple[str, str]] = {}  # raw file -> (export, member) landing there
    for export_plan in plans:
        with storage.open_export(export_plan.location) as export:  # refuses unsafe archives
            bad_names: list[MemberNameError] = []
            for member in export.members:
                reason = skip_reason(member.name, member.uncompressed_size)
                if reason is not None:
                    if reason == SUBFOLDER:
                        warn(f"{export.label}: {member.name}: skipped, inside a sub-folder")
                    skipped.append(f"{export.label}: {member.name} ({reason})")
                    export_plan.skipped.append(f"{member.name} ({reason})")
                    continue
                try:
                    name = parse_member_name(member.name)
                except MemberNameError as exc:
                    bad_names.append(exc)
                    continue
                where = f"{export.label}: {member.name}"
                try:
                    target = sink.target(name.data_type, export_plan.cohort,
                                         export_plan.export_id, name.basename_no_ext)
                except ValueError as exc:
                    raise IngestError(f"{where}: cannot land: {exc}") from None
                if target in targets:
                    raise IngestError(f"{where}: lands on the same raw file as "
                                      f"{targets[target][1]}")
                targets[target] = (export.label, member.name)
                export_plan.landings.append(
                    Landing(member.name, name, target, member.uncompressed_size)
                )
            if bad_names:
                more = f" (and {len(bad_names) - 1} more)" if len(bad_names) > 1 else ""
                raise IngestError(f"{export.label}: {bad_names[0]}{more}")
    return plans, skipped
