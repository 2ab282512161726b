"""Write a synthetic series of RECOVER exports for both cohorts (`recover generate`).

generate_series() writes `OUT_DIR/{cohort}/{export name}` for cohorts adults_v1 and pediatric_v1: zip archives
without extension in the export format (docs/data-contract.md; members named by its grammar,
NDJSON content, zero-byte members for "no records", Manifest.csv last). Every data type of
the registry appears; records are built from the registry's field specs (records.py), the
series overlaps and deletes keys on purpose (series.py documents each rule and the keys that
exercise it, and `plan()` returns them for end-to-end tests).

Same arguments, same bytes. `--size-mb` is the approximate uncompressed NDJSON volume per
export (1 MB = 10^6 bytes); the volume above a small baseline goes to the high-volume members
(FitbitIntradayCombined, HealthKitV2Heartbeat, HealthKitV2Samples HeartRate/Steps). Records
are streamed into the archive, so memory stays flat at any size. Existing files in OUT_DIR are
left alone; an export of the same name is replaced.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from recover import registry
from recover.generate import values as V
from recover.generate.archive import ExportWriter
from recover.generate.records import POOL_SIZE, Participants, RecordMaker, slot_times, step_min
from recover.generate.series import COHORTS, FRESH_DAYS, Export, Member, Plan

DEFAULT_EXPORTS = 3
DEFAULT_SIZE_MB = 1.5
MIN_BULK_BYTES = 4_000  # each padding member gets at least this, however small the target
ODD_RATE = 0.002  # share of later records drawn from the "oddities" template

def plan(exports: int = DEFAULT_EXPORTS, size_mb: float = DEFAULT_SIZE_MB, seed: int = 0,
         reg: registry.Registry | None = None) -> Plan:
    """The series plan (export names and dates, members, overlap/deletion scenarios)."""
    return Plan(reg or registry.load(), exports, size_mb, seed)


def generate_series(out_dir: str | Path, exports: int = DEFAULT_EXPORTS,
                    size_mb: float = DEFAULT_SIZE_MB, seed: int = 0,
                    log: Callable[[str], None] | None = None) -> list[Path]:
    """Write the series; return the export paths (export 0 adults, export 0 pediatric, ...)."""
    the_plan = plan(exports, size_mb, seed)
    writer = _SeriesWriter(the_plan)
    paths = []
    for export in the_plan.exports:
        path = Path(out_dir) / export.cohort / export.name
        started = time.monotonic()
        size = writer.write_export(export, path, log)
        if log is not None:
            log(f"{export.cohort}/{export.name}: {size / V.MB:.1f} MB NDJSON, "
                f"{path.stat().st_size / V.MB:.1f} MB zip, {time.monotonic() - started:.1f} s")
        paths.append(path)
    return paths


class _SeriesWriter:
    """Turns the plan's members into NDJSON lines and archives."""

    def __init__(self, the_plan: Plan) -> None:
        self.plan = the_plan
        self.seed = the_plan.seed
        self.pids = Participants(the_plan.seed)
        self._makers: dict[tuple[str, str | None, str], RecordMaker] = {}

    def maker(self, dt_name: str, group: str | None, cohort: str) -> RecordMaker:
        key = (dt_name, group, cohort)
        found = self._makers.get(key)
        if found is None:
            found = RecordMaker(self.plan.reg[dt_name], group, cohort, self.seed)
            self._makers[key] = found
        return found

    def write_export(self, export: Export, path: Path,
                     log: Callable[[str], None] | None) -> int:
        target = self.plan.size_mb * V.MB

        def progress(n: int) -> None:
            if log is not None:
                log(f"{export.cohort}/{export.name}: {n / V.MB:.0f} MB ...")

        members = self.plan.members(export)
        # Padding budget = target minus the baseline members' expected size, so members can be
        # written in registry order (the estimate is within a few percent).
        baseline = sum(self.estimate(export, m) for m in members if not m.bulk)
        remaining = max(0.0, target - baseline)
        total_share = sum(m.bulk for m in members)
        with ExportWriter(path, export.created, progress) as out:
            for member in members:
                budget = None
                if member.bulk:
                    budget = max(MIN_BULK_BYTES, remaining * member.bulk / total_share)
                out.write_member(member.name, member.column, self.lines(export, member, budget))
            out.write_manifest(_midnight(export.start_t), _midnight(export.end_t))
            return out.bytes_written

    def estimate(self, export: Export, member: Member) -> float:
        """Expected bytes of a baseline member: its scenario and fresh records."""
        dt = member.data_type
        total = sum(self.maker(dt.name, sc.group, COHORTS[0]).bytes_per_record()
                    for sc, _ in self.plan.scenario_deliveries(export, member))
        if dt.is_deleted or dt.name in V.QUIET.get(export.cohort, ()):
            return total
        n = len(self.plan.participants(export.cohort))
        for g in member.groups:
            slots = 1 if dt.snapshot else math.ceil(FRESH_DAYS * _per_day(dt.name, g))
            total += n * slots * self.maker(dt.name, g, export.cohort).bytes_per_record()
        return total

    # ---------------------------------------------------------------- member content

    def lines(self, export: Export, member: Member, budget: float | None) -> Iterator[str]:
        """Scenario records first (never cut by the budget), then fresh records."""
        for sc, d in self.plan.scenario_deliveries(export, member):
            # scenario records look the same in both cohorts (a tie is a tie)
            maker = self.maker(member.data_type.name, sc.group, COHORTS[0])
            variant = 1 + (V.digest(self.seed, sc.rule, sc.data_type, sc.identity.participant)
                           + d.version) % (POOL_SIZE - 1)
            event = self.plan.deletion_time(export) if d.deleted else d.inserted
            yield maker.render_record(sc.identity, event, variant,
                                      self.pids.pid(sc.identity.participant))
        dt = member.data_type
        if dt.is_deleted or dt.name in V.QUIET.get(export.cohort, ()):
            return
        groups = member.groups
        makers = [self.maker(dt.name, g, export.cohort) for g in groups]
        per_day = [_per_day(dt.name, g) for g in groups]
        participants = self.plan.participants(export.cohort)
        start, seconds = export.fresh_start_t, FRESH_DAYS * V.EPOCH_DAY
        if dt.snapshot:  # one record per participant, as of the export's last day
            start, seconds = export.end_t, V.EPOCH_DAY
        smin = step_min(dt)
        slots = [1 if dt.snapshot else math.ceil(FRESH_DAYS * pd) for pd in per_day]
        budgets: list[float | None] = [None] * len(groups)
        if budget is not None:
            budgets = [budget * pd / sum(per_day) for pd in per_day]
            wanted = [1.15 * b / m.bytes_per_record() for b, m in zip(budgets, makers, strict=True)]
            capacity = seconds // smin
            count = max(len(participants), *(math.ceil(w / capacity) for w in wanted))
            participants = self.plan.participants(export.cohort, count)
            slots = [math.ceil(w / count) for w in wanted]
        for group, maker, n_slots, group_budget in zip(groups, makers, slots, budgets,
                                                       strict=True):
            yield from self._fresh(export, member, group, maker, participants, start, seconds,
                                   n_slots, smin, group_budget)

    def _fresh(self, export: Export, member: Member, group: str | None, maker: RecordMaker,
               participants: list[str], start: int, seconds: int, n_slots: int, smin: int,
               budget: float | None) -> Iterator[str]:
        dt = member.data_type
        rng = random.Random(V.digest(self.seed, "fresh", export.index, export.cohort,
                                     member.column, group))
        # Every member of export 0 starts with the oddities template (unique keys: they survive
        # de-dup). Snapshot rows are re-delivered and the latest wins, so a snapshot type's first
        # participant carries the oddities in every export (its CustomFields "" and malformed
        # strings reach the curated table).
        odd_first = export.index == 0 or dt.snapshot
        has_event = "InsertedDate" in dt.fields
        last_event = export.end_t + V.EPOCH_DAY - 1
        written = 0
        pid = self.pids.pid
        for participant, t in slot_times(participants, start, seconds, n_slots, smin,
                                         (self.seed, dt.name, group)):
            if odd_first:
                variant, odd_first = 0, False
            elif dt.snapshot:  # a participant's snapshot row keeps its content across exports
                variant = 1 + V.digest(self.seed, dt.name, participant) % (POOL_SIZE - 1)
            elif rng.random() < ODD_RATE:
                variant = 0
            else:
                variant = 1 + int(rng.random() * (POOL_SIZE - 1))
            event = None
            if has_event:
                inserted = t + 60 + int(rng.random() * 7140)
                event = V.iso(min(last_event, inserted))
            line = maker.render(participant, t, group, event, variant, pid(participant))
            yield line
            if budget is not None:
                written += len(line)
                if written >= budget:
                    return


def _per_day(type_name: str, group: str | None) -> float:
    if group is not None:
        return V.GROUPS[type_name][group].per_day
    return V.PER_DAY.get(type_name, 1)


def _midnight(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)
