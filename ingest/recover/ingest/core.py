"""The ingest core: land export members in the raw zone, commit each export, register it.

The CLI (recover.commands.ingest) and the Lambda (recover.aws.lambda_handler) are thin
adapters over ingest(). Exports are local files or s3:// objects, in any combination with a
local or an S3 lake; storage.py decides which, once.

Phases, so that bad input never leaves a partial raw zone and no reader sees a partial export:
1. plan (plan.py): check the arguments, open every export's zip directory, refuse unsafe
   archives, apply the admission rule and the file-name grammar to every member, and check that
   every raw file name can land; any problem stops the run here, before anything is written;
2. land, per export: stream each admitted member into its raw file (whole or not at all: an
   atomic rename locally, a multipart upload completed only after the member verified on S3);
3. commit, per export: sweep whatever an earlier attempt left in the export's folders, write
   the commit record (commits.py) last, then register the export with the raw tables (Glue
   partitions). A corrupt member found while landing stops the run before its export commits:
   the export stays invisible to builds, and re-running completes it (landing is idempotent).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from recover import faults, registry
from recover.ingest.commits import Commit, CommittedMember
from recover.ingest.export import LineCount
from recover.ingest.plan import ExportPlan, IngestError, Warn, checked, plan
from recover.ingest.sinks import Landed, Sink, SinkError
from recover.ingest.storage import Storage

ROUTINE_SKIPS = ("manifest", "empty (0 bytes)")


class Meter(Protocol):
    """Progress of one member: update() with the bytes verified so far, then finish()."""

    def update(self, done: int) -> None: ...

    def finish(self) -> None: ...


MeterFactory = Callable[[str, int], Meter]  # (member, size) -> meter
Observer = Callable[[Landed], None]


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
    commits: list[str] = field(default_factory=list)  # where each export's record was written
    swept: list[str] = field(default_factory=list)  # leftovers of earlier attempts, removed
    catalog: str = ""  # the sink's one-line account of the raw tables

    def skipped_by_reason(self) -> tuple[dict[str, int], list[str]]:
        """Routine skips (zero-byte members, manifests) counted by reason, and the other skipped
        members (sub-folders), which deserve a look."""
        by_reason: dict[str, int] = {}
        unusual = []
        for line in self.skipped:
            reason = next((r for r in ROUTINE_SKIPS if line.endswith(f"({r})")), "other")
            by_reason[reason] = by_reason.get(reason, 0) + 1
            if reason == "other":
                unusual.append(line)
        return by_reason, unusual


def ingest(
    exports: Sequence[str],
    lake: str | Path,
    namespace: str,
    cohort: str | None = None,
    *,
    session: Any = None,
    on_landed: Observer | None = None,
    meter: MeterFactory | None = None,
    warn: Warn | None = None,
) -> Summary:
    """Ingest exports into a lake; raise UsageError / IngestError / ExportError / SinkError.

    `session` is the boto3 Session for S3 exports and S3 lakes (default: a new one, made only
    when needed); `on_landed` is called after each member landed whole (the Lambda logs it);
    `meter` makes a progress meter per member; `warn` receives one-line warnings.
    """
    checked("namespace", namespace)
    if cohort is not None:
        checked("cohort", cohort)
    storage = Storage(session)
    sink = storage.sink(lake, namespace)
    warn = warn or (lambda _message: None)

    plans, skipped = plan(exports, sink, cohort, storage, warn)
    types = registry.load()
    summary = Summary(raw_dir=sink.root, exports=len(plans), skipped=skipped)
    unmodelled: set[str] = set()
    started = time.monotonic()
    commits = []
    for export_plan in plans:
        with sink.lock(export_plan.cohort, export_plan.export_id):
            landed = _land(export_plan, sink, storage, meter, on_landed)
            summary.members += landed
            unmodelled |= {m.data_type for m in landed if m.data_type not in types}
            faults.point("ingest.before_commit")
            commits.append(_commit(export_plan, landed, sink, summary))
    summary.landed = len(summary.members)
    summary.bytes_in = sum(m.bytes_in for m in summary.members)
    summary.bytes_out = sum(m.bytes_out for m in summary.members)
    summary.seconds = time.monotonic() - started
    summary.unmodelled = sorted(unmodelled)
    faults.point("ingest.before_register")
    summary.catalog = sink.register(commits, types)
    return summary


def _land(export_plan: ExportPlan, sink: Sink, storage: Storage, meter: MeterFactory | None,
          on_landed: Observer | None) -> list[Landed]:
    """Land every admitted member of one export; each raw file whole or not at all."""
    landed = []
    with storage.open_export(export_plan.location) as export:
        members = {m.name: m for m in export.members}
        for landing in export_plan.landings:
            member = members.get(landing.member)
            if member is None or member.uncompressed_size != landing.size:
                raise IngestError(f"{export.label}: {landing.member}: the export changed "
                                  "between planning and landing; run again")
            progress = meter(landing.member, landing.size) if meter else None
            lines = LineCount()
            member_started = time.monotonic()
            try:
                written = sink.write(landing.target, export.gzip_chunks(
                    member, progress.update if progress else None, lines=lines))
            except SinkError as exc:
                raise IngestError(f"{export.label}: {landing.member}: {exc}") from None
            if progress:
                progress.finish()
            item = Landed(
                export=export.label,
                member=landing.member,
                data_type=landing.name.data_type,
                cohort=export_plan.cohort,
                target=landing.target,
                bytes_in=landing.size,
                bytes_out=written,
                seconds=time.monotonic() - member_started,
                crc32=f"{member.crc32:08x}",
                lines=lines.total,
            )
            landed.append(item)
            if on_landed is not None:
                on_landed(item)
            faults.point("ingest.after_member")
    return landed


def _commit(export_plan: ExportPlan, landed: list[Landed], sink: Sink, summary: Summary) -> Commit:
    """Sweep the export's folders of everything but what just landed, then write its record."""
    summary.swept += sink.sweep(export_plan.cohort, export_plan.export_id,
                                {m.target for m in landed})
    root = sink.root.rstrip("/")
    commit = Commit(
        export=export_plan.name, export_id=export_plan.export_id, cohort=export_plan.cohort,
        source=export_plan.location, skipped=list(export_plan.skipped),
        members=[CommittedMember(
            member=m.member, data_type=m.data_type,
            key=f"{sink.namespace}/raw/{m.target[len(root) + 1:]}",
            bytes=m.bytes_in, gzip_bytes=m.bytes_out, crc32=m.crc32, lines=m.lines)
            for m in landed])
    previous = sink.read_commit(commit.cohort, commit.export_id)
    if commit.same_content(previous):  # a redelivery: the record stays byte for byte
        summary.commits.append(f"{previous.key(sink.namespace)} (unchanged)")
        return previous
    summary.commits.append(sink.commit(commit))
    return commit
