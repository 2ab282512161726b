"""The ingest core: land export members in the raw zone and register the raw tables.

The CLI (recover.commands.ingest) and the Lambda (recover.aws.lambda_handler) are thin
adapters over ingest(). Exports are local files or s3:// objects, in any combination with a
local or an S3 lake; storage.py decides which, once.

Two phases, so that bad input never leaves a partial raw zone:
1. plan (plan.py): check the arguments, open every export's zip directory, refuse unsafe
   archives, apply the admission rule and the file-name grammar to every member; any problem
   stops the run here, before anything is written;
2. land: stream each admitted member into its raw file (whole or not at all: an atomic rename
   locally, a multipart upload completed only after the member verified on S3), then register
   the raw tables. A corrupt member found while streaming stops the run; the members landed
   before it are whole, nothing is registered, and re-running is idempotent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from recover import registry
from recover.ingest.plan import IngestError, Warn, checked, plan
from recover.ingest.sinks import Landed, SinkError
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
    for export_plan in plans:
        with storage.open_export(export_plan.location) as export:
            members = {m.name: m for m in export.members}
            for landing in export_plan.landings:
                member = members.get(landing.member)
                if member is None or member.uncompressed_size != landing.size:
                    raise IngestError(f"{export.label}: {landing.member}: the export changed "
                                      "between planning and landing; run again")
                progress = meter(landing.member, landing.size) if meter else None
                member_started = time.monotonic()
                try:
                    written = sink.write(landing.target, export.gzip_chunks(
                        member, progress.update if progress else None))
                except SinkError as exc:
                    raise IngestError(f"{export.label}: {landing.member}: {exc}") from None
                if progress:
                    progress.finish()
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
