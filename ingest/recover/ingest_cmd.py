"""`recover ingest`: land export members in the raw zone and register the raw tables.

One core, two sinks (sink.py): a local lake directory with DuckDB raw views (local_sink.py),
or an S3 lake with Glue raw tables (s3sink.py, catalog.py). Exports are local files or
s3:// objects (read with ranged GETs, s3file.py), in any combination with either lake. The
Lambda (lambda_handler.py) calls ingest() with an S3 export and an S3 lake.

Two phases, so that bad input never leaves a partial raw zone:
1. plan: check the arguments, open every export's zip directory, refuse unsafe archives, apply
   the admission rule (spec 1.2) and the file-name grammar (spec 1.3) to every member; any
   problem stops the run here, before anything is written;
2. land: stream each admitted member into its raw file (whole or not at all: an atomic rename
   locally, a multipart upload completed only after the member verified on S3), then register
   the raw tables. A corrupt member found while streaming stops the run; the members landed
   before it are whole, nothing is registered, and re-running is idempotent.

Exit codes: 0 success, 1 bad input data (export, member) or a failed write, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from recover import registry
from recover.export import Export, ExportError
from recover.identifiers import check_identifier
from recover.names import (
    SUBFOLDER,
    MemberName,
    MemberNameError,
    parse_member_name,
    skip_reason,
)
from recover.s3file import S3File, is_s3_uri, split_s3_uri
from recover.sink import Landed, Sink, SinkError

PROGRESS_MIN_BYTES = 16 * 1024 * 1024  # quieter below this when stderr is not a terminal
MB = 1_000_000


class UsageError(Exception):
    """Arguments that cannot be used (exit 2)."""


class IngestError(Exception):
    """Input data that cannot be ingested (exit 1); the message names the export and member."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exports", nargs="+", metavar="EXPORT",
                        help="export archive (zip, no extension): a local path or s3://bucket/key")
    parser.add_argument("--lake", required=True, help="lake: a local directory or s3://bucket")
    parser.add_argument("--namespace", required=True, help="namespace: a plain identifier, e.g. main")
    parser.add_argument(
        "--cohort", help="cohort for every export (default: each export's parent folder name)"
    )


def run(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        summary = ingest(args.exports, args.lake, args.namespace, args.cohort, progress=sys.stderr)
    except UsageError as exc:
        print(f"recover ingest: error: {exc}", file=sys.stderr)
        return 2
    except (IngestError, ExportError, SinkError) as exc:
        print(f"recover ingest: error: {exc}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as exc:  # e.g. no credentials or no region configured
        print(f"recover ingest: error: AWS: {exc}", file=sys.stderr)
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
    target: str  # a path or an s3:// URI, as the sink names it
    size: int


@dataclass
class ExportPlan:
    location: str  # a path or an s3:// URI
    cohort: str
    landings: list[Landing] = field(default_factory=list)


@dataclass
class Summary:
    raw_dir: str
    exports: int = 0
    landed: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # "export: member (reason)"
    unmodelled: list[str] = field(default_factory=list)
    members: list[Landed] = field(default_factory=list)
    catalog: str = ""  # the sink's one-line account of the raw tables

    def print(self, out: TextIO) -> None:
        rate = self.bytes_in / MB / self.seconds if self.seconds > 0 else 0.0
        print(f"recover ingest: {self.exports} export(s) -> {self.raw_dir}", file=out)
        print(
            f"  landed  {self.landed} member(s): {self.bytes_in / MB:.1f} MB "
            f"({self.bytes_out / MB:.1f} MB gzip) in {self.seconds:.1f} s, {rate:.1f} MB/s",
            file=out,
        )
        # Zero-byte members and manifests are routine (spec 1.2): count them by reason; list
        # only the members skipped for other reasons (sub-folders), which deserve a look.
        by_reason: dict[str, int] = {}
        unusual = []
        for line in self.skipped:
            reason = next((r for r in ROUTINE_SKIPS if line.endswith(f"({r})")), "other")
            by_reason[reason] = by_reason.get(reason, 0) + 1
            if reason == "other":
                unusual.append(line)
        detail = ", ".join(f"{n} {reason}" for reason, n in sorted(by_reason.items()))
        print(f"  skipped {len(self.skipped)} member(s){': ' + detail if detail else ''}", file=out)
        for line in unusual:
            print(f"    {line}", file=out)
        if self.unmodelled:
            print(
                "  unmodelled data types (landed under their own dataset= folder, no raw table): "
                + ", ".join(self.unmodelled),
                file=out,
            )
        print(f"  {self.catalog}", file=out)


ROUTINE_SKIPS = ("manifest", "empty (0 bytes)")


def default_cohort(export: str) -> str:
    """The export's parent folder name (`.../adults_v1/2024-06-09T00:12:49Z_x` -> adults_v1).

    For an S3 export the folder is the key's second-to-last component, which for the input
    bucket's `{ns}/{cohort}/{export}` keys is the upstream raw Lambda's positional rule.
    """
    if is_s3_uri(export):
        parts = PurePosixPath(split_s3_uri(export)[1]).parts
        return parts[-2] if len(parts) >= 2 else ""
    return Path(os.path.abspath(export)).parent.name


def _check_identifier(what: str, value: str, hint: str = "") -> None:
    try:
        check_identifier(what, value, hint)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@contextmanager
def open_export(location: str, s3_client: Any = None) -> Iterator[Export]:
    """An export from a local path or an s3:// URI (read in place with ranged GETs)."""
    if not is_s3_uri(location):
        with Export.open(location) as export:
            yield export
        return
    try:
        fileobj = S3File.open(s3_client, location)
    except (ValueError, OSError) as exc:
        raise ExportError(location, f"cannot open export: {exc}") from None
    with closing(fileobj), Export(fileobj, location) as export:
        yield export


def plan(
    exports: Sequence[str], sink: Sink, cohort: str | None, warn: TextIO, s3_client: Any = None
) -> tuple[list[ExportPlan], list[str]]:
    """Check everything that can be checked without writing; return the plans and skips."""
    plans = []
    for location in exports:
        if cohort is None:
            derived = default_cohort(location)
            _check_identifier(f"{location}: cohort", derived, " (the export's parent folder); pass --cohort")
            plans.append(ExportPlan(location, derived))
        else:
            plans.append(ExportPlan(location, cohort))

    skipped: list[str] = []
    targets: dict[str, tuple[str, str]] = {}  # raw file -> (export, member) landing there
    for export_plan in plans:
        with open_export(export_plan.location, s3_client) as export:  # refuses unsafe archives
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
                target = sink.target(name.data_type, export_plan.cohort, name.basename_no_ext)
                where = f"{export.label}: {member.name}"
                if target in targets:
                    other_export, other_member = targets[target]
                    if other_export == export.label:
                        raise IngestError(f"{where}: lands on the same raw file as {other_member}")
                    print(
                        f"recover ingest: warning: {where}: replaces {other_export}: "
                        f"{other_member} (same raw file {target.rsplit('/', 1)[-1]})",
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


Observer = Callable[[Landed], None]


def make_sink(lake: str | Path, namespace: str, session: Any = None) -> Sink:
    """The sink for a lake: a local directory, or s3://bucket[/prefix] (imports boto3 lazily)."""
    if is_s3_uri(str(lake)):
        try:
            split_s3_uri(str(lake))
        except ValueError:
            raise UsageError(f"--lake {lake}: not an s3://bucket URI") from None
        from recover.s3sink import S3Sink

        return S3Sink(str(lake), namespace, _session(session))
    from recover.local_sink import LocalSink

    return LocalSink(lake, namespace)


def _session(session: Any) -> Any:
    if session is not None:
        return session
    import boto3

    return boto3.Session()


def ingest(
    exports: Sequence[str],
    lake: str | Path,
    namespace: str,
    cohort: str | None = None,
    progress: TextIO | None = None,
    *,
    session: Any = None,
    on_landed: Observer | None = None,
) -> Summary:
    """Ingest exports into a lake; raise UsageError / IngestError / ExportError / SinkError.

    `session` is the boto3 Session for S3 exports and S3 lakes (default: a new one); `on_landed`
    is called after each member landed whole (the Lambda logs it).
    """
    _check_identifier("namespace", namespace)
    if cohort is not None:
        _check_identifier("cohort", cohort)
    if any(is_s3_uri(str(x)) for x in [*exports, lake]):
        session = _session(session)
    sink = make_sink(lake, namespace, session)
    s3_client = session.client("s3") if any(is_s3_uri(x) for x in exports) else None
    warn = progress if progress is not None else sys.stderr

    plans, skipped = plan(exports, sink, cohort, warn, s3_client)
    types = registry.load()
    summary = Summary(raw_dir=sink.root, exports=len(plans), skipped=skipped)
    unmodelled: set[str] = set()
    started = time.monotonic()
    for export_plan in plans:
        with open_export(export_plan.location, s3_client) as export:
            members = {m.name: m for m in export.members}
            for landing in export_plan.landings:
                member = members.get(landing.member)
                if member is None or member.uncompressed_size != landing.size:
                    raise IngestError(f"{export.label}: {landing.member}: the export changed "
                                      "between planning and landing; run again")
                meter = _Progress(progress, landing.member, landing.size)
                member_started = time.monotonic()
                try:
                    written = sink.write(landing.target, export.gzip_chunks(member, meter.update))
                except SinkError as exc:
                    raise IngestError(f"{export.label}: {landing.member}: {exc}") from None
                meter.finish()
                landed = Landed(
                    export=export.label,
                    member=landing.member,
                    data_type=landing.name.data_type,
                    cohort=export_plan.cohort,
                    target=landing.target,
                    bytes_in=landing.size,
                    bytes_out=written,
                    seconds=time.monotonic() - member_started,
                )
                summary.members.append(landed)
                summary.landed += 1
                summary.bytes_in += landing.size
                summary.bytes_out += written
                if landing.name.data_type not in types:
                    unmodelled.add(landing.name.data_type)
                if on_landed is not None:
                    on_landed(landed)
    summary.seconds = time.monotonic() - started
    summary.unmodelled = sorted(unmodelled)
    summary.catalog = sink.register(summary.members, types)
    return summary


if __name__ == "__main__":  # `python -m recover.ingest_cmd ...`: the sub-command on its own
    _parser = argparse.ArgumentParser(prog="recover ingest", description=__doc__.splitlines()[0])
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
