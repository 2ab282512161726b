"""An independent Python oracle for the curated tables, computed from export archives.

The end-to-end tests compare the dbt build against this. It re-implements the contract from
docs/data-contract.md (file names, values, de-duplication, deletions, child tables) record by record in plain Python, reading the original
export zips: it shares only the registry (which columns exist, their curated types) and the
table layout of recover.registry.layout with the code under test, never the SQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from recover import registry
from recover.registry import layout as tables

NAME = re.compile(r"_(\d{8})(?:-(\d{8}))?$")


@dataclass
class Row:
    record: dict
    cohort: str
    source_file: str
    start: dt.datetime | None
    end: dt.datetime
    subtype: str | None
    export: str = ""  # the export's id: its name, anything but [A-Za-z0-9._-] as '-'


def _day(token: str) -> dt.datetime:
    return dt.datetime.strptime(token, "%Y%m%d")


def parse_name(member: str) -> tuple[str, str | None, dt.datetime | None, dt.datetime]:
    """The file-name grammar (docs/data-contract.md), written independently of recover.ingest.names."""
    stem = member.rsplit(".", 1)[0]
    tokens = stem.split("_")
    data_type = tokens[0]
    if "HealthKitV2" in data_type and len(tokens) > 2 and tokens[-2] == "Deleted":
        data_type += "_Deleted"
    subtype = tokens[1] if tokens[0] in ("HealthKitV2Samples", "HealthKitV2Statistics") else None
    m = NAME.search(stem)
    assert m, member
    if m.group(2):
        return data_type, subtype, _day(m.group(1)), _day(m.group(2))
    return data_type, subtype, None, _day(m.group(1))


def read_rows(exports: list[Path]) -> dict[str, list[Row]]:
    """Every record of every admitted member (docs/data-contract.md, "Exports"), by data type."""
    rows: dict[str, list[Row]] = defaultdict(list)
    for export in exports:
        cohort = export.parent.name
        export_id = re.sub(r"[^A-Za-z0-9._-]", "-", export.name)
        with zipfile.ZipFile(export) as zf:
            for info in zf.infolist():
                name = info.filename
                if "/" in name or "Manifest" in name or info.file_size == 0:
                    continue
                data_type, subtype, start, end = parse_name(name)
                source_file = name.rsplit(".", 1)[0] + ".ndjson.gz"
                with zf.open(info) as fh:
                    for line in fh:
                        if line.strip():
                            rows[data_type].append(
                                Row(json.loads(line), cohort, source_file, start, end, subtype,
                                    export_id))
    return rows


# -- value semantics (the contract of macros/adapters/types.sql, restated) ---------------------

def text(value) -> str | None:
    """A JSON value as the raw zone's text columns hold it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


INTEGER = re.compile(r"^\s*-?[0-9]+(\.0*)?\s*$")


def cast(value, curated: str):
    t = text(value)
    if t is None:
        return None
    if curated == "varchar":
        return t
    if curated == "bigint":
        return int(re.search(r"-?[0-9]+", t).group(0)) if INTEGER.match(t) else None
    if curated == "double":
        try:
            number = float(t)
        except ValueError:
            return None
        return number if math.isfinite(number) else None  # "Infinity", "nan", 1e999 fail
    if curated == "boolean":
        return {"true": True, "false": False}.get(t.lower())
    if curated == "date":
        try:
            return dt.date.fromisoformat(t)
        except ValueError:
            return None
    if curated == "timestamp":
        try:
            parsed = dt.datetime.fromisoformat(t)
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return parsed
    raise ValueError(curated)


def _get(obj, keys):
    for k in keys:
        if isinstance(obj, str):  # a JSON string holding JSON ($json)
            try:
                obj = json.loads(obj)
            except ValueError:
                return None
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _as_json(value):
    """A $json string -> its parsed value; anything else unchanged ("" / malformed -> None)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


# -- de-duplication and deletions ----------------------------------------------------------------

def record_hash(record: dict, fields: list[str]) -> str:
    joined = "|".join(text(record.get(f)) or "" for f in fields)
    return hashlib.md5(joined.encode()).hexdigest()


def current_rows(rows: dict[str, list[Row]], reg: registry.Registry, name: str) -> list[Row]:
    dtype = reg[name]
    index_types = dict(tables.table_layout(dtype).parent_columns)
    fields = list(dtype.fields)

    def key(row: Row):
        return tuple(cast(row.record.get(k), index_types[k]) for k in dtype.index)

    groups: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows.get(name, []):
        groups[key(row)].append(row)
    winners = []
    for members in groups.values():
        # stable sorts, least significant key first
        members.sort(key=lambda r: record_hash(r.record, fields))
        members.sort(key=lambda r: r.export, reverse=True)
        members.sort(key=lambda r: r.source_file, reverse=True)
        members.sort(key=lambda r: r.cohort)
        members.sort(key=lambda r: r.end, reverse=True)
        if dtype.inserted_date:
            with_date = [r for r in members if r.record.get("InsertedDate") is not None]
            without = [r for r in members if r.record.get("InsertedDate") is None]
            with_date.sort(key=lambda r: r.record["InsertedDate"], reverse=True)
            members = with_date + without
        winners.append(members[0])
    deleted_name = f"{name}_Deleted"
    if deleted_name in reg:
        deleted = {key(r) for r in rows.get(deleted_name, [])}
        deleted = {k for k in deleted if all(v is not None for v in k)}
        winners = [r for r in winners if key(r) not in deleted]
    return winners


# -- curated tables ----------------------------------------------------------------------------

def parent_table(rows: list[Row], dtype: registry.DataType) -> list[dict]:
    out = []
    for row in rows:
        # _get parses $json strings on the way down (SymptomLog Value_notes, ...)
        values = {c.name: cast(_get(row.record, (c.root, *c.keys)) if c.keys else
                               row.record.get(c.root), c.curated)
                  for c in tables.table_layout(dtype).columns}
        for d in dtype.derived:
            values[d.name] = derived(d.rule, *(values[f] for f in d.sources))
        if dtype.subtyped:
            values["Type"] = row.subtype
        values["export_start_date"] = row.start
        values["export_end_date"] = row.end
        values["cohort"] = row.cohort
        out.append(values)
    return out


RESTRICTED_ZIP3 = {"036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830",
                   "831", "878", "879", "884", "890", "893"}  # HIPAA Safe Harbor's list
ZIP = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")


def _whole_years(born, at) -> int:
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


def derived(rule: str, *args):
    """The registry's derived-column rules, restated (docs/data-contract.md, "Personal data")."""
    if any(a is None for a in args):
        return None
    if rule == "birth_year":
        return args[0].year if _whole_years(*args) < 90 else None
    if rule == "age_at":
        return min(_whole_years(*args), 90)
    if rule == "zip3":
        if not ZIP.match(args[0]):
            return None
        return "000" if args[0][:3] in RESTRICTED_ZIP3 else args[0][:3]
    if rule == "round1":  # half away from zero, as SQL's round()
        return math.copysign(math.floor(abs(args[0]) * 10 + 0.5) / 10, args[0])
    if rule == "epoch_utc":
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=args[0])
    if rule == "epoch_local":
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=args[0] + args[1])
    raise ValueError(rule)


def _container(record: dict, child: tables.Child):
    value = record.get(child.root)
    for k in child.keys:
        value = _get(_as_json(value), (k,))
    return _as_json(value)


def _element_rows(container, child: tables.Child):
    if child.kind == "offset_map":
        if not isinstance(container, dict):
            return []
        entries = sorted(container.items(), key=lambda kv: (cast(kv[0], "bigint") is None,
                                                             cast(kv[0], "bigint") or 0, kv[0]))
        out = []
        for i, (k, v) in enumerate(entries):
            try:
                number = float(text(v)) if v is not None else None
            except ValueError:
                number = None
            if number is not None and not math.isfinite(number):
                number = None
            value = (None if number is None else int(number)) if child.value_type == "bigint" else number
            out.append({"index": i, child.offset_column: cast(k, "bigint"),
                        child.value_column.name: value})
        return out
    if not isinstance(container, list):
        return []
    out = []
    for i, element in enumerate(container):
        values = {"index": i}
        if child.scalar_column is not None:
            values[child.scalar_column.name] = cast(element, child.scalar_column.curated)
        for column in child.element_columns:
            values[column.name] = cast(_get(element, column.keys), column.curated)
        out.append(values)
    return out


def child_table(rows: list[Row], dtype: registry.DataType, child: tables.Child) -> list[dict]:
    table_layout = tables.table_layout(dtype)
    keys = table_layout.child_keys
    key_types = dict(table_layout.parent_columns)
    outer = next((c for c in table_layout.children if c.path == child.parent), None)
    out = []
    for row in rows:
        base = {k: cast(row.record.get(k), key_types[k]) for k in keys}
        base["cohort"] = row.cohort
        if outer is None:
            for values in _element_rows(_container(row.record, child), child):
                out.append({**base, **values})
        else:
            elements = _container(row.record, outer)
            for j, element in enumerate(elements if isinstance(elements, list) else []):
                inner = _as_json(_get(element, child.keys)) if isinstance(element, dict) else None
                for values in _element_rows(inner, child):
                    out.append({**base, f"{outer.path}_index": j, **values})
    return out


def expected_tables(exports: list[Path], reg: registry.Registry | None = None) -> dict[str, list[dict]]:
    """Every curated table (name -> rows as dicts), computed from the export archives. The rows
    hold every column, personal data included: a curated table and its restricted table are
    compared on their own columns."""
    reg = reg or registry.load()
    rows = read_rows(exports)
    result: dict[str, list[dict]] = {}
    for dtype in reg.primary():
        current = current_rows(rows, reg, dtype.name)
        result[tables.parent_table(dtype)] = parent_table(current, dtype)
        for child in tables.table_layout(dtype).children:
            result[child.table] = child_table(current, dtype, child)
    return result
