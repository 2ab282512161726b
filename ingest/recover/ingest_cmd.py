"""`recover ingest`: land export members in the local raw zone and refresh the raw views.

Two phases, so that bad input never leaves a partial raw zone:
1. plan: check the arguments, open every export's zip directory, refuse unsafe archives, apply
   the admission rule (spec 1.2) and the file-name grammar (spec 1.3) to every member; any
   problem stops the run here, before anything is written;
2. land: stream each admitted member into its raw file (lake.py, atomic), then refresh the
   DuckDB raw views (local_catalog.py). A corrupt member found while streaming stops the run;
   the members landed before it are whole, and re-running is idempotent.

Exit codes: 0 success, 1 bad input data (export, member), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from recover import registry
from recover.export import Export, ExportError
from recover.lake import raw_path, raw_zone, write_atomic
from recover.local_catalog import CatalogError, raw_schema, refresh_raw_views
from recover.names import (
    SUBFOLDER,
    MemberName,
    MemberNameError,
    parse_member_name,
    skip_reason,
)

PLAIN_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
PROGRESS_MIN_BYTES = 16 * 1024 * 1024  # quieter below this when stderr is not a terminal
MB = 1_000_000


class UsageError(Exception):
    """Arguments that cannot be used (exit 2)."""


class IngestError(Exception):
    """Input data that cannot be ingested (exit 1); the message names the export and member."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exports", nargs="+", metavar="EXPORT", help="export archive (zip, no extension)")
    parser.add_argument("--lake", required=True, help="lake directory (s3:// lakes are not supported yet)")
    parser.add_argument("--namespace", required=True, help="namespace: a plain identifier, e.g. main")
    parser.add_argument(
        "--cohort", help="cohort for every export (default: each export's parent folder name)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        summary = ingest(args.exports, args.lake, args.namespace, args.cohort, progress=sys.stderr)
    except UsageError as exc:
        print(f"recover ingest: error: {exc}", file=sys.stderr)
        return 2
    except (IngestError, ExportError, CatalogError) as exc:
        print(f"recover ingest: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("recover ingest: interrupted (files landed so far are whole)", file=sys.stderr)
        return 130
    summary.print(sys.stdout)
    return 0


# -- plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    member: str
    name: MemberName
    target: Path
    size: int


@dataclass
class ExportPlan:
    path: str
    cohort: str
    landings: list[Landing] = field(default_factory=list)


@dataclass
class Summary:
    raw_dir: Path
    exports: int = 0
    landed: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # "export: member (reason)"
    unmodelled: list[str] = field(default_factory=list)
    views_db: Path | None = None
    views_schema: str = ""
    views: int = 0

    def print(self, out: TextIO) -> None:
        rate = self.bytes_in / MB / self.seconds if self.seconds > 0 else 0.0
        print(f"recover ingest: {self.exports} export(s) -> {self.raw_dir}", file=out)
        print(
            f"  landed  {self.landed} member(s): {self.bytes_in / MB:.1f} MB "
            f"({self.bytes_out / MB:.1f} MB gzip) in {self.seconds:.1f} s, {rate:.1f} MB/s",
            file=out,
        )
        print(f"  skipped {len(self.skipped)} member(s)", file=out)
        for line in self.skipped:
            print(f"    {line}", file=out)
        if self.unmodelled:
            print(
                "  unmodelled data types (landed under their own dataset= folder, no raw view): "
                + ", ".join(self.unmodelled),
                file=out,
            )
        print(f"  raw views: {self.views} in schema {self.views_schema} of {self.views_db}", file=out)


def default_cohort(export_path: str) -> str:
    """The export's parent folder name (`.../adults_v1/2024-06-09T00:12:49Z_x` -> adults_v1)."""
    return Path(os.path.abspath(export_path)).parent.name


def _check_identifier(what: str, value: str, hint: str = "") -> None:
    if not PLAIN_IDENTIFIER.fullmatch(value):
        raise UsageError(f"{what} {value!r} is not a plain identifier ([a-z][a-z0-9_]*){hint}")


def plan(
    exports: Sequence[str], lake: Path, namespace: str, cohort: str | None, warn: TextIO
) -> tuple[list[ExportPlan], list[str]]:
    """Check everything that can be checked without writing; return the plans and skips."""
    plans = []
    for path in exports:
        if cohort is None:
            derived = default_cohort(path)
            _check_identifier(f"{path}: cohort", derived, " (the export's parent folder); pass --cohort")
            plans.append(ExportPlan(path, derived))
        else:
            plans.append(ExportPlan(path, cohort))

    skipped: list[str] = []
    targets: dict[Path, tuple[str, str]] = {}  # raw file -> (export, member) landing there
    for export_plan in plans:
        with Export.open(export_plan.path) as export:  # refuses unsafe archives
            bad_names: list[MemberNameError] = []
            for member in export.members:
                reason = skip_reason(member.name, member.uncompressed_size)
                if reason is not None:
                    if reason == SUBFOLDER:
                        print(
                            f"recover ingest: warning: {export.label}: {member.name}: skipped, "
                            "inside a sub-folder (spec 1.2)",
                            file=warn,
                        )
                    skipped.append(f"{export.label}: {member.name} ({reason})")
                    continue
                try:
                    name = parse_member_name(member.name)
                except MemberNameError as exc:
                    bad_names.append(exc)
                    continue
                target = raw_path(lake, namespace, name.data_type, export_plan.cohort, name.basename_no_ext)
                where = f"{export.label}: {member.name}"
                if target in targets:
                    other_export, other_member = targets[target]
                    if other_export == export.label:
                        raise IngestError(f"{where}: lands on the same raw file as {other_member}")
                    print(
                        f"recover ingest: warning: {where}: replaces {other_export}: "
                        f"{other_member} (same raw file {target.name})",
                        file=warn,
                    )
                targets[target] = (export.label, member.name)
                export_plan.landings.append(
                    Landing(member.name, name, target, member.uncompressed_size)
                )
            if bad_names:
                more = f" (and {len(bad_names) - 1} more)" if len(bad_names) > 1 else ""
                raise IngestError(f"{export.label}: {bad_names[0]}{more}")
    return plans, skipped


# -- land -------------------------------------------------------------------------------------


class _Progress:
    """Per-member progress on stderr: a live line on a terminal, else one line per large member."""

    def __init__(self, out: TextIO | None, member: str, size: int) -> None:
        self._out = out
        self._tty = bool(out and out.isatty())
        self._member = member
        self._size = size
        self._start = time.monotonic()
        self._last = self._start
        self._visible = self._tty or size >= PROGRESS_MIN_BYTES

    def _line(self, done: int) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        return (
            f"  {self._member}: {done / MB:,.1f} / {self._size / MB:,.1f} MB, "
            f"{done / MB / elapsed:,.1f} MB/s"
        )

    def update(self, done: int) -> None:
        now = time.monotonic()
        interval = 0.5 if self._tty else 30.0
        if self._out is None or not self._visible or now - self._last < interval:
            return
        self._last = now
        if self._tty:
            print(f"\r{self._line(done)}\x1b[K", end="", file=self._out, flush=True)
        else:
            print(self._line(done), file=self._out, flush=True)

    def finish(self) -> None:
        if self._out is None or not self._visible:
            return
        prefix = "\r" if self._tty else ""
        suffix = "\x1b[K" if self._tty else ""
        print(f"{prefix}{self._line(self._size)}{suffix}", file=self._out, flush=True)


def ingest(
    exports: Sequence[str],
    lake: str | Path,
    namespace: str,
    cohort: str | None = None,
    progress: TextIO | None = None,
) -> Summary:
    """Ingest exports into a local lake; raise UsageError / IngestError / ExportError."""
    if str(lake).startswith("s3://"):
        raise UsageError(f"--lake {lake}: S3 lakes are not supported yet; use a local directory")
    _check_identifier("namespace", namespace)
    if cohort is not None:
        _check_identifier("cohort", cohort)
    lake = Path(lake).absolute()
    warn = progress if progress is not None else sys.stderr

    plans, skipped = plan(exports, lake, namespace, cohort, warn)
    types = registry.load()
    summary = Summary(raw_dir=raw_zone(lake, namespace), exports=len(plans), skipped=skipped)
    unmodelled: set[str] = set()
    started = time.monotonic()
    for export_plan in plans:
        with Export.open(export_plan.path) as export:
            members = {m.name: m for m in export.members}
            for landing in export_plan.landings:
                member = members[landing.member]
                meter = _Progress(progress, landing.member, landing.size)
                try:
                    written = write_atomic(landing.target, export.gzip_chunks(member, meter.update))
                except OSError as exc:
                    raise IngestError(
                        f"{export.label}: {landing.member}: cannot write {landing.target}: {exc}"
                    ) from None
                meter.finish()
                summary.landed += 1
                summary.bytes_in += landing.size
                summary.bytes_out += written
                if landing.name.data_type not in types:
                    unmodelled.add(landing.name.data_type)
    summary.seconds = time.monotonic() - started
    summary.unmodelled = sorted(unmodelled)
    try:
        summary.views_db = refresh_raw_views(lake, namespace, types)
    except CatalogError as exc:
        raise CatalogError(f"{summary.landed} member(s) landed, raw views not refreshed: {exc}") from None
    summary.views_schema = raw_schema(namespace)
    summary.views = len(list(types.names()))
    return summary


if __name__ == "__main__":  # `python -m recover.ingest_cmd ...`: the sub-command on its own
    _parser = argparse.ArgumentParser(prog="recover ingest", description=__doc__.splitlines()[0])
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
