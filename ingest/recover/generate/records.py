"""Records of any data type, built from the registry's field specs.

One mechanism serves all 38 data types. For each (data type, group, cohort) a small pool of
*templates* is built by walking the registry's field specs (values.py decides what each field
plausibly holds). A template is a record whose identity-dependent parts are left as markers:

* KEY   - an index field (ParticipantIdentifier, the record key, a time key, the group field);
* PID   - ParticipantID, wherever it occurs (also inside HealthKit workout events);
* TIME  - a timestamp / date / epoch-seconds field, as an offset from the record's time;
* EVENT - InsertedDate or DeletedDate, set by the export plan (a string, or null).

The template is serialised once with the same encoder upstream uses (`json.dumps` defaults)
and compiled into one function; rendering a record is a single call that splices the marker
values between the literal JSON chunks. That is what makes multi-GB exports affordable, and it
keeps every record's keys a pure function of its Identity (`index_values`), so the export plan
can re-deliver, tie and delete exact keys across exports.

Template 0 of each pool is the "oddities" variant: one numeric string that fails its cast,
offset maps with a non-numeric value ("n/a") and, for int maps, "60.0" (Python's int() refuses
it), and array-valued JSON strings that are over-escaped (malformed) or "". Other variants
are clean but still vary: missing optional keys, nulls, empty arrays, sparse metadata, Garmin
map values such as 61.9 or "99" that cast fine.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from recover.generate import values as V
from recover.registry import Array, DataType, JsonString, OffsetMap, Scalar, Struct

POOL_SIZE = 32  # templates per (data type, group, cohort)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()  # a field that is absent from the record (not even null)

# Marker kinds
KEY, PID, TIME_ISO, TIME_DATE, TIME_EPOCH, EVENT = range(6)
_MARK = re.compile(r'"@@(\d+)@@"')
_SERIES_STEPS = {"TimeSinceSeriesStart": 0.85, "TimeSinceSampleStart": 1 / 512}


@dataclass(frozen=True)
class Identity:
    """What a record's keys are made of: same identity, same keys, in every export."""

    participant: str
    time: int  # epoch seconds: the record's own time (start of a sample, day of a summary)
    group: str | None = None  # HealthKit subtype or the group field's value
    ordinal: int = 0


class _Mark:
    __slots__ = ("arg", "kind")

    def __init__(self, kind: int, arg: object = None) -> None:
        self.kind = kind
        self.arg = arg


class Template:
    """A record serialised once, compiled into a function that fills in its markers.

    The JSON text between markers becomes string literals of one generated concatenation
    expression (the technique `dataclasses` and `namedtuple` use), so rendering a record costs
    one function call: this is the generator's hot path at multi-GB sizes. Its arguments: PT
    the participant (JSON text), H the hashed keys (JSON texts), t the record's time, T its
    ISO text, E the event (JSON text), P the ParticipantID (JSON text). `keys` gives the
    expression for each index field and whether it needs quotes.
    """

    def __init__(self, record: dict, keys: dict[str, tuple[str, bool]]) -> None:
        marks: list[_Mark] = []

        def cut(value: object) -> object:
            if isinstance(value, _Mark):
                marks.append(value)
                return f"@@{len(marks) - 1}@@"
            if isinstance(value, dict):
                return {k: cut(v) for k, v in value.items()}
            if isinstance(value, list):
                return [cut(v) for v in value]
            return value

        parts = _MARK.split(json.dumps(cut(record)))
        chunks = parts[0::2]
        chunks[-1] += "\n"
        assert [int(i) for i in parts[1::2]] == list(range(len(marks)))
        items: list[tuple[bool, str]] = []  # (is literal, text or expression)

        def lit(text: str) -> None:
            if items and items[-1][0]:
                items[-1] = (True, items[-1][1] + text)
            else:
                items.append((True, text))

        lit(chunks[0])
        for mark, chunk in zip(marks, chunks[1:], strict=True):
            kind, arg = mark.kind, mark.arg
            if kind == KEY:
                expr, quoted = keys[arg]
                if quoted:
                    lit('"')
                items.append((False, expr))
                if quoted:
                    lit('"')
            elif kind == PID:
                items.append((False, "P"))
            elif kind == EVENT:
                items.append((False, "E"))
            elif kind == TIME_EPOCH:
                items.append((False, f"str(t + {arg})"))
            else:
                lit('"')
                fmt = "day" if kind == TIME_DATE else "iso"
                items.append((False, "T" if kind == TIME_ISO and arg == 0 else f"{fmt}(t + {arg})"))
                lit('"')
            lit(chunk)
        body = " + ".join(repr(text) if is_lit else text for is_lit, text in items if text)
        namespace = {"iso": V.iso, "day": V.day_text}
        exec(f"def render(PT, H, t, T, E, P):\n    return {body}\n", namespace)  # noqa: S102
        self.render = namespace["render"]


class RecordMaker:
    """Templates and rendering for one (data type, group, cohort)."""

    def __init__(self, dt: DataType, group: str | None, cohort: str, seed: int) -> None:
        self.dt = dt
        self.group = group
        self.cohort = cohort
        self.seed = seed
        self.key_type = dt.deleted_of or dt.name  # a deletion shares its sample's keys
        groups = V.GROUPS.get(self.key_type, {})
        self.group_spec = groups.get(group) if group is not None else None
        self.group_field = V.GROUP_FIELD.get(self.key_type)
        self._hashed_keys = _hashed_keys(dt)
        keys = {}
        for name in dt.index:
            spec = dt.fields[name]
            role = V.time_role(name, spec) if isinstance(spec, Scalar) else None
            if name == "ParticipantIdentifier":
                keys[name] = ("PT", False)
            elif name == self.group_field:
                keys[name] = (repr(_json(group)), False)
            elif name in self._hashed_keys:
                keys[name] = (f"H[{self._hashed_keys.index(name)}]", False)
            elif role == "epoch":
                keys[name] = ("str(t)", False)
            elif spec.curated == "date":
                keys[name] = ("day(t)", True)
            else:
                keys[name] = ("T", True)
        self.templates = [Template(self._build(v), keys) for v in range(POOL_SIZE)]
        self._renderers = [tpl.render for tpl in self.templates]
        self._bytes_per_record: float | None = None
        self._participant_text: dict[str, str] = {}

    # ---------------------------------------------------------------- keys

    def key_values(self, ident: Identity) -> dict[str, object]:
        """The index fields' values for `ident` (Python values, as they appear in the JSON)."""
        return index_values(self.dt, ident, self.seed)

    # ---------------------------------------------------------------- rendering

    def render(self, participant: str, t: int, group: str | None, event: str | None,
               variant: int, pid: str, ordinal: int = 0) -> str:
        """One NDJSON line (with its newline): template `variant` for this identity.

        `pid` is the ParticipantID already encoded as JSON; `event` the InsertedDate or
        DeletedDate text (None = JSON null). `group` must be this maker's group.
        """
        hashed = None
        if self._hashed_keys:
            values = self.key_values(Identity(participant, t, group, ordinal))
            hashed = tuple(_json(values[name]) for name in self._hashed_keys)
        text = self._participant_text.get(participant)
        if text is None:
            text = self._participant_text[participant] = _json(participant)
        return self._renderers[variant](text, hashed, t, V.iso(t),
                                        "null" if event is None else f'"{event}"', pid)

    def render_record(self, ident: Identity, event: object, variant: int, pid: str) -> str:
        """Like render(), but `event` may be MISSING: the record then lacks the key entirely."""
        if event is not MISSING:
            return self.render(ident.participant, ident.time, ident.group, event,  # type: ignore[arg-type]
                               variant, pid, ident.ordinal)
        record = json.loads(self.render(ident.participant, ident.time, ident.group, None,
                                        variant, pid, ident.ordinal))
        for name in ("InsertedDate", "DeletedDate"):
            record.pop(name, None)
        return json.dumps(record) + "\n"

    def bytes_per_record(self) -> float:
        """Average rendered size, measured on the pool (sizes the padding)."""
        if self._bytes_per_record is None:
            total = sum(len(self.render("RA00000", 1_673_000_000, self.group,
                                        "2023-01-01T00:00:00", v, '"100000"'))
                        for v in range(POOL_SIZE))
            self._bytes_per_record = total / POOL_SIZE
        return self._bytes_per_record

    # ---------------------------------------------------------------- template building

    def _build(self, variant: int) -> dict:
        rng = random.Random(V.digest(self.seed, self.dt.name, self.group, self.cohort, variant))
        odd = variant == 0
        self._bad_left = 1 if odd else 0
        self._json_defects = ["malformed", "empty"] if odd else []
        self._map_defects = odd
        spec = self.group_spec
        required = V.REQUIRED.get(self.key_type, set()) | set(spec.values if spec else ())
        record: dict[str, object] = {}
        for name, fspec in self.dt.fields.items():
            if name == "ParticipantIdentifier" or name in self.dt.index:
                record[name] = _Mark(KEY, name)
            elif name == "ParticipantID":
                record[name] = _Mark(PID)
            elif isinstance(fspec, Scalar) and V.time_role(name, fspec) == "event":
                record[name] = _Mark(EVENT)
            elif spec is not None and name in spec.values:
                record[name] = _override(spec.values[name], fspec, rng)
            elif spec is not None and spec.only:
                continue
            elif name == self.group_field and self.group is not None:
                record[name] = self.group
            else:
                value = self._field(rng, None, name, fspec, 0, None, False,
                                    required=name in required, p_missing=0.03, p_null=0.02)
                if value is not MISSING:
                    record[name] = value
        return record

    def _field(self, rng: random.Random, parent: str | None, name: str, spec: object,
               offset: int, index: int | None, concrete: bool, *, required: bool = False,
               p_missing: float = 0.0, p_null: float = 0.0) -> object:
        if not required:
            r = rng.random()
            if r < p_missing:
                return MISSING
            if r < p_missing + p_null and not isinstance(spec, OffsetMap):
                return None  # upstream crashes on a null offset map
        if isinstance(spec, Scalar):
            return self._scalar(rng, parent, name, spec, offset, index, concrete)
        if isinstance(spec, Struct):
            sparse = name == "Metadata"  # HealthKit metadata: a few keys of many
            out = {}
            for sub, sub_spec in spec.fields.items():
                value = self._field(rng, name, sub, sub_spec, offset, index, concrete,
                                    p_missing=0.75 if sparse else 0.02, p_null=0.01)
                if value is not MISSING:
                    out[sub] = value
            return out
        if isinstance(spec, Array):
            lo, hi = (V.ARRAY_LENGTHS.get(f"{self.key_type}.{name}")
                      or V.ARRAY_LENGTHS.get(name) or (0, 3))
            step = V.ARRAY_STEPS.get(name, 60)
            return [
                self._field(rng, name, name, spec.element, offset + i * step, i, concrete,
                            required=True)
                for i in range(rng.randint(lo, hi))
            ]
        if isinstance(spec, JsonString):
            inner = self._field(rng, parent, name, spec.inner, offset, index, True, required=True)
            if isinstance(spec.inner, Array):  # the Symptoms/Treatments shape
                defect = self._json_defects.pop(0) if self._json_defects else None
                if defect == "malformed":  # over-escaped: [{\"id\": ...}] does not parse
                    return json.dumps(inner or [{"id": V.uuid_text(rng.getrandbits(128))}]
                                      ).replace('"', '\\"')
                if defect == "empty" or rng.random() < 0.1:
                    return ""
            return json.dumps(inner)
        if isinstance(spec, OffsetMap):
            return self._offset_map(rng, spec)
        raise TypeError(f"{self.dt.name}: field {name}: unknown spec {spec!r}")

    def _scalar(self, rng: random.Random, parent: str | None, name: str, spec: Scalar,
                offset: int, index: int | None, concrete: bool) -> object:
        if name == "ParticipantID" and not concrete:
            return _Mark(PID)
        if name in _SERIES_STEPS and index is not None:
            step = _SERIES_STEPS[name]
            return round((index + rng.uniform(0, 0.1)) * step, 4)
        role = V.time_role(name, spec)
        if role in ("relative", "epoch") and not concrete:
            off = offset + V.time_offset(name, rng)
            kind = TIME_EPOCH if role == "epoch" else TIME_DATE if spec.curated == "date" \
                else TIME_ISO
            return _Mark(kind, off)
        if role in ("relative", "absolute", "event"):
            t = V.absolute_time(name, rng, self.cohort)
            return V.day_text(t) if spec.curated == "date" else V.iso(t)
        bad = False
        if self._bad_left and spec.json_type == "string" and spec.curated in ("bigint", "double"):
            bad = rng.random() < 0.5
            self._bad_left -= bad
        return V.scalar(self.key_type, parent, name, spec, rng, self.cohort, bad=bad)

    def _offset_map(self, rng: random.Random, spec: OffsetMap) -> dict[str, object]:
        step = V.OFFSET_STEPS.get(spec.value, 60)
        n = rng.randint(*V.OFFSET_COUNTS)
        lo, hi, dec = V.number_range(spec.value) or (0, 100, 1)
        out: dict[str, object] = {}
        for i in range(n):
            x = V.number(rng, lo, hi, 0 if spec.value_type == "int" else max(dec, 1))
            r = rng.random()
            if spec.value_type == "int":
                # mostly ints; sometimes a float (61.9 -> 61) or a numeric string ("99" -> 99)
                value: object = (x + 0.9 if r < 0.05 else str(int(x)) if r < 0.1 else int(x))
            else:
                value = str(x) if r < 0.05 else int(x) if r < 0.08 else x
            out[str(i * step)] = value
        if self._map_defects and n >= 3:
            out[str(step)] = "n/a"  # fails the cast: NULL downstream, counted
            if spec.value_type == "int":
                out[str(2 * step)] = "60.0"  # int("60.0") fails in Python: NULL as well
            self._map_defects = False
        return out


def _hashed_keys(dt: DataType) -> list[str]:
    """Index fields derived from a hash of the identity (record keys, LogId, SummaryId, ...)."""
    group_field = V.GROUP_FIELD.get(dt.deleted_of or dt.name)
    return [name for name in dt.index
            if name not in ("ParticipantIdentifier", group_field)
            and V.time_role(name, dt.fields[name]) is None]  # type: ignore[arg-type]


def index_values(dt: DataType, ident: Identity, seed: int) -> dict[str, object]:
    """A record's index fields from its identity: the same in every export and cohort.

    Deletion records (`X_Deleted`) hash with their sample type's name, so a deletion carries
    exactly the key of the sample it deletes.
    """
    key_type = dt.deleted_of or dt.name
    group_field = V.GROUP_FIELD.get(key_type)
    h = 0
    if _hashed_keys(dt):
        h = V.digest(seed, key_type, ident.group, ident.participant, ident.time, ident.ordinal,
                     bits=128)
    out: dict[str, object] = {}
    for name in dt.index:
        if name == "ParticipantIdentifier":
            out[name] = ident.participant
        elif name == group_field:
            out[name] = ident.group
        else:
            out[name] = V.key_value(key_type, name, dt.fields[name], h, ident.time)  # type: ignore[arg-type]
    return out


def _override(value: object, spec: object, rng: random.Random) -> object:
    """A group's value for a field: a constant, or a number in range in the field's JSON type."""
    if not isinstance(value, tuple):
        return value
    lo, hi, dec = value
    x = V.number(rng, lo, hi, dec)
    if isinstance(spec, Scalar) and spec.json_type == "string":
        return f"{x:.{dec}f}"
    if isinstance(spec, Scalar) and spec.json_type == "int":
        return int(x)
    return x


def _json(value: object) -> str:
    if isinstance(value, str) and '"' not in value and "\\" not in value and value.isascii():
        return f'"{value}"'
    return json.dumps(value)


class Participants:
    """ParticipantID per ParticipantIdentifier (stable for a seed), pre-encoded as JSON."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._ids: dict[str, str] = {}

    def pid(self, participant: str) -> str:
        text = self._ids.get(participant)
        if text is None:
            text = f'"{100000 + V.digest(self.seed, "pid", participant) % 900000}"'
            self._ids[participant] = text
        return text


def slot_times(participants: list[str], start_t: int, seconds: int, slots: int, step_min: int,
               phase_key: object) -> Iterator[tuple[str, int]]:
    """(participant, time) for `slots` evenly spaced records per participant, time-major.

    Slot i of a participant lies in [start + i*step, start + (i+1)*step) and steps are at
    least `step_min` (86400 for types keyed by a date), so (participant, time) pairs and
    date keys never collide. Each participant gets its own minute-aligned phase.
    """
    slots = max(1, min(slots, seconds // step_min))
    step = max(step_min, seconds // slots // 60 * 60)
    minutes = max(1, step // 60)
    phases = [(V.digest(phase_key, p) % minutes) * 60 for p in participants]
    for i in range(slots):
        base = start_t + i * step
        for p, phase in zip(participants, phases, strict=True):
            yield p, base + phase


def step_min(dt: DataType) -> int:
    """Smallest spacing of one participant's records: a day when a date is part of the key."""
    for name in dt.index:
        spec = dt.fields[name]
        if isinstance(spec, Scalar) and spec.curated == "date":
            return V.EPOCH_DAY
    return 60
