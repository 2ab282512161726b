"""Realistic values for synthetic records: what a field holds, judged from its name and spec.

The registry says *how* a field is delivered (JSON type, curated type, nesting); this module
says *what* it plausibly contains. Everything is keyed by field name (or `DataType.Field` /
`Parent.Field` for the few names that mean different things in different places), so one
table serves all 38 data types. The few couplings that a name cannot express (a HealthKit
subtype's unit and value range, a Fitbit intraday `Type`'s fields) live in GROUPS.

Times are epoch seconds (UTC) throughout and are rendered as naive ISO-8601 strings
(`2023-01-12T08:30:00`), `YYYY-MM-DD` dates or integer seconds; no time-zone suffixes, so the
raw strings sort chronologically (de-duplication compares them as strings).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from recover.registry import Scalar

MB = 1_000_000
EPOCH_DAY = 86_400

# --------------------------------------------------------------------------------------------
# Hashing and formatting


def digest(*parts: object, bits: int = 64) -> int:
    """A stable integer hash of `parts` (Python's hash() is salted per process)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=bits // 8).digest(), "big")


def uuid_text(h: int) -> str:
    """A version-4-shaped UUID string from a 128-bit integer."""
    x = f"{h & ((1 << 128) - 1):032x}"
    return f"{x[:8]}-{x[8:12]}-4{x[13:16]}-{'89ab'[int(x[16], 16) & 3]}{x[17:20]}-{x[20:32]}"


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


_DAY_TEXT: dict[int, str] = {}
_HMS_TEXT: dict[int, str] = {}


def day_text(t: int) -> str:
    """`YYYY-MM-DD` of epoch seconds `t` (cached per day: formatting is on the hot path)."""
    d = t // EPOCH_DAY
    text = _DAY_TEXT.get(d)
    if text is None:
        text = _DAY_TEXT[d] = datetime.fromtimestamp(d * EPOCH_DAY, UTC).strftime("%Y-%m-%d")
    return text


def iso(t: int) -> str:
    """Naive ISO-8601 timestamp of epoch seconds `t`: `2023-01-12T08:30:00`."""
    d, s = divmod(t, EPOCH_DAY)
    day = _DAY_TEXT.get(d)
    if day is None:
        day = day_text(t)
    hms = _HMS_TEXT.get(s)
    if hms is None:
        hms = _HMS_TEXT[s] = f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
    return day + hms


# --------------------------------------------------------------------------------------------
# Groups: HealthKit subtypes and the other `Type` values that decide a record's content.


@dataclass(frozen=True)
class Group:
    """One value of a data type's grouping token (HealthKit subtype, intraday `Type`, ...).

    per_day: records per participant per day. values: field -> constant text or a numeric
    (low, high, decimals) range, overriding the name-based guess. only: omit every other
    non-key field (an intraday `hrv` row carries no `Mets`). bulk: this group's share of an
    export's padding volume (spec: volume lives in the high-volume types).
    """

    per_day: float
    values: dict[str, object] = field(default_factory=dict)
    only: bool = False


# Data types whose records are shaped by a group. For HealthKitV2Samples/Statistics the group
# is the file name's subtype token (a subset of the registry's subtypes: a handful is enough to
# exercise everything, and each gets a _Deleted twin); for the others it is a field's value.
GROUPS: dict[str, dict[str, Group]] = {
    "HealthKitV2Samples": {
        "HeartRate": Group(24, {"Units": "count/min", "Value": (48, 150, 0)}),
        "Steps": Group(24, {"Units": "count", "Value": (0, 1800, 0)}),
        "OxygenSaturation": Group(2, {"Units": "%", "Value": (0.92, 1.0, 2)}),
        "RespiratoryRate": Group(2, {"Units": "count/min", "Value": (11, 22, 1)}),
        "Weight": Group(0.3, {"Units": "kg", "Value": (45, 120, 1)}),
        "BloodPressureSystolic": Group(0.5, {"Units": "mmHg", "Value": (100, 150, 0)}),
    },
    "HealthKitV2Statistics": {
        "DailySteps": Group(1, {"Units": "count", "Value": (800, 18000, 0)}),
        "HourlySteps": Group(6, {"Units": "count", "Value": (0, 2500, 0)}),
        "HourlyMaximumHeartRate": Group(6, {"Units": "count/min", "Value": (70, 170, 0)}),
    },
    "FitbitIntradayCombined": {
        "activities-heart": Group(1440, {"Value": (45, 150, 0)}, only=True),
        "activities-steps": Group(1440, {"Value": (0, 130, 0)}, only=True),
        "activities-calories": Group(
            1440, {"Value": (0.9, 11.5, 3), "Level": (0, 3, 0), "Mets": (10, 95, 0)}, only=True
        ),
        "hrv": Group(
            288,
            {"Rmssd": (15, 110, 3), "Coverage": (0.6, 1.0, 3), "Hf": (40, 1500, 3), "Lf": (40, 1500, 3)},
            only=True,
        ),
        "spo2": Group(288, {"Value": (90, 100, 1)}, only=True),
        "br": Group(
            1,
            {
                "DeepSleepSummaryBreathRate": (11, 18, 1),
                "RemSleepSummaryBreathRate": (12, 20, 1),
                "FullSleepSummaryBreathRate": (12, 19, 1),
                "LightSleepSummaryBreathRate": (12, 19, 1),
            },
            only=True,
        ),
    },
    "GoogleFitSamples": {
        "com.google.step_count.delta": Group(2, {"Units": "count", "Value": (0, 3000, 0)}),
        "com.google.heart_rate.bpm": Group(1, {"Units": "bpm", "Value": (50, 140, 1)}),
        "com.google.calories.expended": Group(1, {"Units": "kcal", "Value": (20, 600, 2)}),
    },
}

# Which field carries the group for non-subtyped types (it may be an index field).
GROUP_FIELD = {"FitbitIntradayCombined": "Type", "GoogleFitSamples": "Type"}

# Padding: an export's volume beyond the baseline goes to these members, by share.
# (data type, group) -> share; group None = the whole member (all its groups).
BULK = {
    ("FitbitIntradayCombined", None): 0.45,
    ("HealthKitV2Heartbeat", None): 0.25,
    ("HealthKitV2Samples", "HeartRate"): 0.20,
    ("HealthKitV2Samples", "Steps"): 0.10,
}

# Records per participant per day for types without groups (default 1). Snapshot types carry
# one record per participant per export whatever this says.
PER_DAY = {
    "HealthKitV2Heartbeat": 6,
    "HealthKitV2Electrocardiogram": 0.3,
    "HealthKitV2Workouts": 0.5,
    "FitbitEcg": 0.3,
    "FitbitActivityLogs": 0.7,
    "GarminEpochSummary": 4,
    "GarminActivitySummary": 0.5,
    "GarminActivityDetailsSummary": 0.5,
    "GarminManuallyUpdatedActivitySummary": 0.2,
    "GarminMoveIQActivitySummary": 0.5,
    "GarminBloodPressureSummary": 0.3,
    "GarminBodyCompositionSummary": 0.3,
    "GarminPulseOxSummary": 2,
    "GarminRespirationSummary": 2,
}

# Fields a record must always carry: upstream's S3-to-JSON job fails without them.
REQUIRED = {"SymptomLog": {"Value"}, "EnrolledParticipants": {"CustomFields"}}

# Data types that get no regular records in a cohort (their members are zero-byte unless the
# overlap plan puts a record there): pediatric participants rarely own these devices.
QUIET = {
    "pediatric_v1": {"GarminBloodPressureSummary", "GarminBodyCompositionSummary", "FitbitEcg"},
}

# Array lengths (low, high) by `DataType.path` or field name; default (0, 3).
ARRAY_LENGTHS = {
    "HealthKitV2Electrocardiogram.SubSamples": (100, 200),
    "HealthKitV2Heartbeat.SubSamples": (40, 110),
    "FitbitEcg.WaveformSamples": (150, 300),
    "SleepLogDetails": (6, 16),
    "Samples": (8, 24),
    "Laps": (1, 5),
    "Summaries": (2, 5),
    "Events": (0, 5),
    "deep": (1, 4),
    "light": (2, 6),
    "awake": (0, 3),
    "rem": (1, 4),
    "SleepScoreModels": (1, 4),
    "symptoms": (0, 4),
    "treatments": (0, 3),
    "Symptoms": (1, 5),
    "Treatments": (0, 3),
}

# Spacing in seconds between consecutive array elements (their times), by field name.
ARRAY_STEPS = {
    "SleepLogDetails": 1800,
    "Samples": 15,
    "Laps": 600,
    "Events": 300,
    "deep": 5400,
    "light": 3600,
    "awake": 7200,
    "rem": 5400,
}

# Offset maps: seconds between entries and entry count, by value name.
OFFSET_STEPS = {"HeartRate": 15, "Hrv": 300, "Spo2Value": 60, "Breaths": 60, "StressLevel": 180,
                "BodyBattery": 180, "Value": 60}
OFFSET_COUNTS = (8, 40)

# --------------------------------------------------------------------------------------------
# Vocabulary for strings, by `DataType.Field`, `Parent.Field` or `Field`.

VOCAB: dict[str, list[str]] = yaml.safe_load(
    Path(__file__).with_name("vocabulary.yml").read_text(encoding="utf-8"))

_GENERIC_WORDS = ["Standard", "Default", "1", "0", "Yes", "No", "Unknown", "Other"]
_BOOL_TEXT = ["True", "False"]
_BAD_NUMBERS = ["n/a", "--", "unknown"]  # fail every numeric cast (DuckDB and Trino alike)

# Numeric ranges by field name (number_ranges.csv: regex on the lower-cased name, low, high,
# decimals); first match wins, so specific patterns come before general ones.
def _number_ranges() -> list[tuple[re.Pattern[str], float, float, int]]:
    with (Path(__file__).with_name("number_ranges.csv")).open(newline="") as fh:
        return [(re.compile(row["pattern"]), float(row["low"]), float(row["high"]),
                 int(row["decimals"])) for row in csv.DictReader(fh)]


_NUMBERS = _number_ranges()


@functools.cache
def vocabulary(type_name: str, parent: str | None, name: str) -> list[str] | None:
    for key in (f"{type_name}.{name}", f"{parent}.{name}" if parent else None, name):
        if key and key in VOCAB:
            return VOCAB[key]
    return None


@functools.cache
def number_range(name: str) -> tuple[float, float, int] | None:
    lower = name.lower()
    for pattern, lo, hi, dec in _NUMBERS:
        if pattern.search(lower):
            return lo, hi, dec
    return None


def number(rng: random.Random, lo: float, hi: float, dec: int) -> float:
    x = rng.uniform(lo, hi)
    return round(x, dec) if dec else float(round(x))


# --------------------------------------------------------------------------------------------
# Times


TZ_OFFSETS = [-28800, -25200, -21600, -18000, -14400]


def time_role(name: str, spec: Scalar) -> str | None:
    """How a scalar relates to the record's time.

    "epoch": integer seconds (`StartTimeInSeconds`); "relative": an ISO timestamp/date near the
    record's time; "absolute": a timestamp/date unrelated to it (`DateOfBirth`); "event":
    InsertedDate / DeletedDate, set by the export plan; None: not a time.
    """
    if name in ("InsertedDate", "DeletedDate"):
        return "event"
    if spec.json_type == "int" and name.endswith("TimeInSeconds") and name.startswith(
        ("Start", "End", "Measurement")
    ):
        return "epoch"
    if spec.curated in ("timestamp", "date"):
        if name in _RELATIVE or name.startswith(("Start", "End", "Window")):
            return "relative"
        return "absolute"
    return None


_RELATIVE = {"Date", "DateTime", "CalendarDate", "StartTime", "LastModified", "ModifiedDate",
             "OriginalStartTime"}


def time_offset(name: str, rng: random.Random) -> int:
    """Seconds between the record's time and a relative time field named `name`."""
    if name.startswith("End") or name == "WindowEnd":
        return rng.randrange(300, 3 * 3600, 60)
    if name in ("LastModified", "ModifiedDate"):
        return rng.randrange(600, 20 * 3600, 60)
    if name == "Date":
        return rng.randrange(0, 600)
    return 0


def absolute_time(name: str, rng: random.Random, cohort: str) -> int:
    """A plausible fixed time for fields such as DateOfBirth or EnrollmentDate."""
    if name == "DateOfBirth":
        years = (2006, 2019) if cohort.startswith("pediatric") else (1940, 2004)
        return epoch(date(rng.randrange(*years), rng.randrange(1, 13), rng.randrange(1, 29)))
    start = epoch(date(2021, 10, 1))
    return start + rng.randrange(0, 450) * EPOCH_DAY + rng.randrange(0, EPOCH_DAY, 60)


# --------------------------------------------------------------------------------------------
# Scalars


def scalar(type_name: str, parent: str | None, name: str, spec: Scalar, rng: random.Random,
           cohort: str, bad: bool = False) -> object:
    """A realistic JSON value for a scalar field that is neither a key nor a time.

    `bad=True` asks for a value that fails the curated cast (only for numbers delivered as
    strings); used rarely and deterministically by the template pool.
    """
    if spec.curated == "boolean":
        flag = rng.random() < 0.7
        return flag if spec.json_type == "boolean" else _BOOL_TEXT[0 if flag else 1]
    if spec.curated in ("bigint", "double"):
        if spec.json_type == "string" and bad:
            return rng.choice(_BAD_NUMBERS)
        dec = 0
        if name.endswith("OffsetInSeconds"):
            value: float = rng.choice(TZ_OFFSETS)
        else:
            lo, hi, dec = (number_range(name) or number_range(f"{parent}{name}")
                           or (0, 100, 0 if spec.curated == "bigint" else 2))
            if spec.curated == "bigint" or spec.json_type == "int":
                dec = 0
            value = number(rng, lo, hi, dec)
        if spec.json_type == "int" or spec.curated == "bigint":
            return str(int(value)) if spec.json_type == "string" else int(value)
        if spec.json_type == "string":
            return f"{value:.{dec}f}"
        return value
    if spec.curated in ("timestamp", "date"):  # only reached for times inside JSON strings
        t = absolute_time(name, rng, cohort)
        return day_text(t) if spec.curated == "date" else iso(t)
    return _text(type_name, parent, name, rng)


def _text(type_name: str, parent: str | None, name: str, rng: random.Random) -> str:
    words = vocabulary(type_name, parent, name)
    if words is not None:
        return rng.choice(words)
    lower = name.lower()
    if lower.endswith(("key", "uuid", "identifier", "uid", "syncidentifier")) or lower in (
        "id", "globalkey", "sessionid"
    ):
        return uuid_text(rng.getrandbits(128))
    if name == "SummaryId":
        return f"x{rng.getrandbits(28):07x}-{rng.getrandbits(32):08x}"
    if lower.endswith("id"):
        return str(rng.randrange(10**10, 10**11))
    if "version" in lower:
        return f"{rng.randrange(1, 18)}.{rng.randrange(0, 10)}.{rng.randrange(0, 4)}"
    if lower == "emailaddress":
        return f"participant{rng.randrange(10**6):06d}@example.org"
    if lower == "postalcode":
        return f"{rng.randrange(1000, 99999):05d}"
    if lower == "color" or lower.endswith("color"):
        return f"#{rng.randrange(1 << 24):06X}"
    if lower.endswith("link"):
        return f"https://example.org/link/{rng.randrange(10**8)}"
    if lower.endswith(("date", "time")):
        return iso(absolute_time(name, rng, ""))
    return rng.choice(_GENERIC_WORDS)


def key_value(type_name: str, name: str, spec: Scalar, h: int, t: int) -> object:
    """A key field's value from the record identity's hash `h` and time `t`.

    Keys must not change when the same record is re-delivered with other content, so they come
    from the identity, never from the variant's random values.
    """
    role = time_role(name, spec)
    if role == "epoch":
        return t
    if role is not None:
        return day_text(t) if spec.curated == "date" else iso(t)
    if name.endswith("Key"):
        return uuid_text(h)
    if name == "LogId":
        return str(30_000_000_000 + h % 10**10)
    if name == "SummaryId":
        return f"x{h % (1 << 28):07x}-{t:08x}"
    return scalar(type_name, None, name, spec, random.Random(h), "")
