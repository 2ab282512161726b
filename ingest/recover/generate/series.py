"""The export series: dates, names, members, participants, and the overlap/deletion plan.

Exports are weekly. Export k (0-based) covers the 10 days ending `FIRST_END + 7k`, so it
overlaps export k-1 by 3 days, and both cohorts get an export for the same dates (created a
few minutes apart). Regular participants' records ("fresh" records) fill only the last 7 days
of each window, so fresh keys never repeat. Every repeated key comes from a *scenario*: for
each consecutive pair of exports (k-1, k) and each data type, one dedicated participant per
rule gets exactly the deliveries the rule needs (below, and in RULES). Scenario participants
are named `RX{rule:02d}{k:03d}` and carry nothing else, so an end-to-end test can check each
rule on its own key (see `Plan.scenarios` and `Scenario.expected_winner`).

Rules (A = adults_v1, P = pediatric_v1; "early" < "mid" < "late" InsertedDate values):

| rule | deliveries | outcome |
|---|---|---|
| later_inserted | k-1 A v1 early; k A v2 late | v2 kept |
| same_inserted_later_export | k-1 A v1 early; k A v2 early | v2 kept (export_end_date) |
| older_inserted_later_export | k-1 A v1 mid; k A v2 early | v1 kept (InsertedDate wins) |
| null_inserted_later | k-1 A v1 early; k A v2 null | v1 kept (nulls last) |
| missing_inserted_later | k-1 A v1 early; k A v2 without InsertedDate | v1 kept |
| null_inserted_both | k-1 A v1 null; k A v2 null | v2 kept (export_end_date) |
| later_export (no InsertedDate in the type) | k-1 A v1; k A v2 | v2 kept |
| cross_cohort_later_export | k-1 A v1 early; k P v2 early | v2 kept (de-dup ignores cohort) |
| tie | k A v1 early; k P v1 early | tie: identical rows but cohort |
| deleted (HealthKit) | k-1 A v1; deletion in k A | gone |
| deleted_then_reinserted | k-1 A v1 early + deletion in k-1 A; k A v2 late | gone (stays deleted) |
| deleted_twice | k-1 A v1; deletions in k-1 A and k A | gone; deletion de-duplicated |
| deleted_other_cohort | k-1 A v1; deletion in k P | gone (deletion ignores cohort) |
| deleted_orphan | deletion in k A only | nothing to delete |

The first six rules apply to types whose data carry InsertedDate, `later_export` to the others,
the rest to every type (deletion rules to the six HealthKit types with a `_Deleted` twin).
Subtyped and grouped types run the rules in their first group (HealthKitV2Samples/HeartRate,
HealthKitV2Statistics/DailySteps, FitbitIntradayCombined/activities-heart, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from recover.generate import values as V
from recover.generate.records import MISSING, Identity, index_values
from recover.registry import DataType, Registry

COHORTS = ("adults_v1", "pediatric_v1")
COHORT_PREFIX = {"adults_v1": "RA", "pediatric_v1": "RP"}
COHORT_CREATED = {"adults_v1": (0, 12, 49), "pediatric_v1": (0, 47, 31)}  # export time of day
FIRST_END = date(2023, 1, 14)
PERIOD_DAYS = 7
WINDOW_DAYS = 10
FRESH_DAYS = 7
# Tokens of the file-name grammar (docs/data-contract.md): these types' files say `_Samples_`.
SAMPLES_TOKEN = frozenset({"HealthKitV2Heartbeat", "HealthKitV2Electrocardiogram"})


@dataclass(frozen=True)
class Export:
    """One export archive of the series."""

    index: int
    cohort: str
    start: date
    end: date
    created: datetime
    name: str  # `2023-01-15T00:12:49Z_<uuid>`, the archive's file name (no extension)

    @property
    def start_t(self) -> int:
        return V.epoch(self.start)

    @property
    def end_t(self) -> int:
        return V.epoch(self.end)

    @property
    def fresh_start_t(self) -> int:
        return self.end_t - (FRESH_DAYS - 1) * V.EPOCH_DAY


@dataclass(frozen=True)
class Member:
    """One NDJSON member of an export."""

    data_type: DataType
    groups: tuple[str | None, ...]  # groups whose records it holds
    subtype: str | None  # the file name's subtype token (HealthKitV2Samples/Statistics)
    column: str  # Manifest column = file name without the date token
    name: str
    bulk: float  # share of the export's padding volume (0 = baseline member)

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.data_type.name, self.subtype)


@dataclass(frozen=True)
class Delivery:
    """One appearance of a scenario key in an export (a record, or a deletion record)."""

    export: int
    cohort: str
    version: int = 1  # content version: v1 and v2 of a key differ in their non-key fields
    inserted: object = None  # InsertedDate text, None (JSON null) or MISSING (no key)
    deleted: bool = False  # a record of the `_Deleted` twin rather than of the type itself


@dataclass(frozen=True)
class Scenario:
    """One key delivered in a planned way, and what de-dup + deletion must make of it."""

    rule: str
    data_type: str
    group: str | None
    identity: Identity
    deliveries: tuple[Delivery, ...]
    outcome: str  # "kept" | "tie" | "deleted" | "absent"
    winner: int | None = None  # index into deliveries when outcome == "kept"

    @property
    def expected_winner(self) -> Delivery | None:
        return None if self.winner is None else self.deliveries[self.winner]


# rule -> (number, applies to: "inserted" | "plain" | "all" | "deleted")
RULES = {
    "later_inserted": (1, "inserted"),
    "same_inserted_later_export": (2, "inserted"),
    "older_inserted_later_export": (3, "inserted"),
    "null_inserted_later": (4, "inserted"),
    "missing_inserted_later": (5, "inserted"),
    "null_inserted_both": (6, "inserted"),
    "later_export": (7, "plain"),
    "cross_cohort_later_export": (8, "all"),
    "tie": (9, "all"),
    "deleted": (10, "deleted"),
    "deleted_then_reinserted": (11, "deleted"),
    "deleted_twice": (12, "deleted"),
    "deleted_other_cohort": (13, "deleted"),
    "deleted_orphan": (14, "deleted"),
}


def scenario_participant(rule: str, k: int) -> str:
    return f"RX{RULES[rule][0]:02d}{k:03d}"


class Plan:
    """Everything about a series that does not depend on writing it."""

    def __init__(self, reg: Registry, exports: int, size_mb: float, seed: int) -> None:
        if exports < 1:
            raise ValueError("a series needs at least one export")
        self.reg = reg
        self.n_exports = exports
        self.size_mb = size_mb
        self.seed = seed
        self.exports = [self._export(k, c) for k in range(exports) for c in COHORTS]
        twins = {dt.deleted_of: dt for dt in reg.deleted()}
        self.deleted_twin: dict[str, DataType] = {name: twins[name] for name in twins}
        self.scenarios = self._scenarios()
        self._by_member: dict[tuple[int, str, str, str | None], list] = {}
        for sc in self.scenarios:
            for d in sc.deliveries:
                dt = self.deleted_twin[sc.data_type] if d.deleted else reg[sc.data_type]
                member_sub = sc.group if reg[sc.data_type].subtypes else None
                self._by_member.setdefault((d.export, d.cohort, dt.name, member_sub), []).append(
                    (sc, d)
                )

    # ---------------------------------------------------------------- exports and members

    def _export(self, k: int, cohort: str) -> Export:
        end = FIRST_END + timedelta(days=PERIOD_DAYS * k)
        start = end - timedelta(days=WINDOW_DAYS - 1)
        h, m, s = COHORT_CREATED[cohort]
        created = datetime(end.year, end.month, end.day, h, m, s, tzinfo=UTC) + timedelta(days=1)
        export_id = V.uuid_text(V.digest(self.seed, "export", cohort, k, bits=128))
        return Export(k, cohort, start, end, created,
                      f"{created:%Y-%m-%dT%H:%M:%SZ}_{export_id}")

    def groups(self, dt: DataType) -> list[str | None]:
        """The groups a data type is generated in (its subtype subset, intraday Types, ...)."""
        name = dt.deleted_of or dt.name
        table = V.GROUPS.get(name)
        if not table:
            return [None]
        if dt.subtypes:
            chosen = [g for g in table if g in dt.subtypes]
            if not chosen:
                raise ValueError(f"{dt.name}: none of the generator's subtypes {list(table)} "
                                 "is in the registry")
            return chosen
        return list(table)

    def members(self, export: Export) -> list[Member]:
        """Every member of an export, in registry order (subtypes in GROUPS order)."""
        out = []
        for dt in self.reg:
            base = dt.deleted_of or dt.name
            groups = self.groups(dt)
            per_file = [(g,) for g in groups] if dt.subtypes else [tuple(groups)]
            for member_groups in per_file:
                subtype = member_groups[0] if dt.subtypes else None
                tokens = [base]
                if subtype:
                    tokens.append(subtype)
                elif base in SAMPLES_TOKEN:
                    tokens.append("Samples")
                if dt.is_deleted:
                    tokens.append("Deleted")
                dates = (f"{export.end:%Y%m%d}" if dt.snapshot
                         else f"{export.start:%Y%m%d}-{export.end:%Y%m%d}")
                column = "_".join(tokens)
                bulk = 0.0 if dt.is_deleted else V.BULK.get((dt.name, subtype), 0.0)
                out.append(Member(dt, member_groups, subtype, column, f"{column}_{dates}.json",
                                  bulk))
        return out

    def scenario_deliveries(self, export: Export, member: Member) -> list[tuple[Scenario, Delivery]]:
        return self._by_member.get((export.index, export.cohort, member.data_type.name,
                                    member.subtype), [])

    # ---------------------------------------------------------------- participants

    def regular_count(self, cohort: str) -> int:
        """Regular participants per cohort: grows slowly with size (volume goes to padding)."""
        n = max(3, min(150, round(2 * math.sqrt(self.size_mb)) + 2))
        return n if cohort == "adults_v1" else max(3, round(n * 0.6))

    def participants(self, cohort: str, count: int | None = None) -> list[str]:
        n = self.regular_count(cohort) if count is None else count
        return [f"{COHORT_PREFIX[cohort]}{i:05d}" for i in range(1, n + 1)]

    # ---------------------------------------------------------------- scenarios

    def _scenarios(self) -> list[Scenario]:
        out: list[Scenario] = []
        ends = [V.epoch(FIRST_END + timedelta(days=PERIOD_DAYS * k)) for k in range(self.n_exports)]
        for k in range(1, self.n_exports):
            for dt in self.reg.primary():
                group = self.groups(dt)[0]
                for rule, (number, applies) in RULES.items():
                    if applies == "inserted" and not dt.inserted_date:
                        continue
                    if applies == "plain" and dt.inserted_date:
                        continue
                    if applies == "deleted" and dt.name not in self.deleted_twin:
                        continue
                    # the key's own time: the day before export k-1 ends, inside both windows
                    t = ends[k - 1] - V.EPOCH_DAY + 9 * 3600 + number * 660
                    ident = Identity(scenario_participant(rule, k), t, group)
                    out.append(self._scenario(rule, dt, group, ident, k, ends))
        return out

    def _scenario(self, rule: str, dt: DataType, group: str | None, ident: Identity, k: int,
                  ends: list[int]) -> Scenario:
        a, p = COHORTS
        t = ident.time
        number = RULES[rule][0]
        early = V.iso(t + 3600)
        mid = V.iso(ends[k - 1] + 6 * 3600 + number * 60)
        late = V.iso(ends[k] + 8 * 3600 + number * 60)
        ins = dt.inserted_date

        def d(export: int, cohort: str, version: int = 1, inserted: object = None,
              deleted: bool = False) -> Delivery:
            if not ins or deleted:
                inserted = None
            return Delivery(export, cohort, version, inserted, deleted)

        table: dict[str, tuple[list[Delivery], str, int | None]] = {
            "later_inserted": ([d(k - 1, a, 1, early), d(k, a, 2, late)], "kept", 1),
            "same_inserted_later_export": ([d(k - 1, a, 1, early), d(k, a, 2, early)], "kept", 1),
            "older_inserted_later_export": ([d(k - 1, a, 1, mid), d(k, a, 2, early)], "kept", 0),
            "null_inserted_later": ([d(k - 1, a, 1, early), d(k, a, 2, None)], "kept", 0),
            "missing_inserted_later": ([d(k - 1, a, 1, early), d(k, a, 2, MISSING)], "kept", 0),
            "null_inserted_both": ([d(k - 1, a, 1, None), d(k, a, 2, None)], "kept", 1),
            "later_export": ([d(k - 1, a, 1), d(k, a, 2)], "kept", 1),
            "cross_cohort_later_export": ([d(k - 1, a, 1, early), d(k, p, 2, early)], "kept", 1),
            "tie": ([d(k, a, 1, early), d(k, p, 1, early)], "tie", None),
            "deleted": ([d(k - 1, a, 1, early), d(k, a, deleted=True)], "deleted", None),
            "deleted_then_reinserted": (
                [d(k - 1, a, 1, early), d(k - 1, a, deleted=True), d(k, a, 2, late)],
                "deleted", None),
            "deleted_twice": (
                [d(k - 1, a, 1, early), d(k - 1, a, deleted=True), d(k, a, deleted=True)],
                "deleted", None),
            "deleted_other_cohort": ([d(k - 1, a, 1, early), d(k, p, deleted=True)],
                                     "deleted", None),
            "deleted_orphan": ([d(k, a, deleted=True)], "absent", None),
        }
        deliveries, outcome, winner = table[rule]
        return Scenario(rule, dt.name, group, ident, tuple(deliveries), outcome, winner)

    def keys(self, scenario: Scenario) -> dict[str, object]:
        """The scenario key's index fields (ParticipantIdentifier, the record key, ...)."""
        return index_values(self.reg[scenario.data_type], scenario.identity, self.seed)

    def expectations(self) -> list[dict[str, object]]:
        """Every scenario as plain data (JSON-friendly), for end-to-end expectations.

        Each entry: rule, data_type, subtype (HealthKitV2Samples/Statistics only), keys (the
        index fields), deliveries (export index, export_end_date, cohort, export name, version,
        inserted = InsertedDate text / None / "<missing>", deleted, deleted_date), outcome
        ("kept" | "tie" | "deleted" | "absent") and winner (index into deliveries, or None).
        """
        names = {(e.index, e.cohort): e for e in self.exports}
        out = []
        for sc in self.scenarios:
            deliveries = []
            for d in sc.deliveries:
                export = names[(d.export, d.cohort)]
                deliveries.append({
                    "export": d.export,
                    "export_end_date": f"{export.end.isoformat()}T00:00:00",
                    "cohort": d.cohort,
                    "export_name": export.name,
                    "version": d.version,
                    "inserted": "<missing>" if d.inserted is MISSING else d.inserted,
                    "deleted": d.deleted,
                    "deleted_date": self.deletion_time(export) if d.deleted else None,
                })
            out.append({
                "rule": sc.rule,
                "data_type": sc.data_type,
                "subtype": sc.group if self.reg[sc.data_type].subtypes else None,
                "keys": self.keys(sc),
                "deliveries": deliveries,
                "outcome": sc.outcome,
                "winner": sc.winner,
            })
        return out

    def deletion_time(self, export: Export) -> str:
        """DeletedDate of the deletion records delivered in `export`."""
        return V.iso(export.end_t + 12 * 3600)
