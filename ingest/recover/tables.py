"""The curated table layout derived from the registry: table names, columns, child tables.

The dbt macros (macros/registry.sql, macros/curated.sql) derive the same layout in Jinja; this
module is the Python view of it, used to scaffold the one-line model files, to generate the
models' YAML (docs + tests) and by the end-to-end tests.
tests/test_end_to_end.py::test_curated_columns_follow_the_layout checks that the two agree on
the built tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recover.registry import Array, DataType, Field, JsonString, OffsetMap, Scalar, Struct


@dataclass(frozen=True)
class Column:
    name: str  # curated column name, e.g. HeartRateZone_OutOfRangeMax
    root: str  # raw (top-level) field it comes from
    keys: tuple[str, ...]  # JSON keys below the root
    curated: str  # curated type


@dataclass(frozen=True)
class Child:
    data_type: str
    path: str  # e.g. SleepLogDetails, CustomFields_Symptoms, Summaries_EpochSummaries
    root: str
    keys: tuple[str, ...]  # below root; for nested children: below the outer element
    kind: str  # array | offset_map
    element: Field | None
    value: str | None = None  # offset maps: value field name
    value_type: str | None = None
    parent: str | None = None  # path of the enclosing array for arrays in array elements

    @property
    def table(self) -> str:
        return f"dataset_{self.data_type.lower()}_{self.path.lower()}"


def snake(name: str) -> str:
    """FitbitSleepLogs -> fitbit_sleep_logs (model names: stg_recover__fitbit_sleep_logs)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def parent_table(dt: DataType) -> str:
    return f"dataset_{dt.name.lower()}"


def _unwrap(spec: Field) -> Field:
    return spec.inner if isinstance(spec, JsonString) else spec


def leaves(fields: dict[str, Field], prefix: str = "", root: str | None = None,
           keys: tuple[str, ...] = ()) -> list[Column]:
    """Scalar leaves below `fields`, structs flattened with `_`; arrays and maps skipped."""
    out: list[Column] = []
    for fname, spec in fields.items():
        spec = _unwrap(spec)
        r = root if root is not None else fname
        k = keys + ((fname,) if root is not None else ())
        name = f"{prefix}_{fname}" if prefix else fname
        if isinstance(spec, Scalar):
            out.append(Column(name, r, k, spec.curated))
        elif isinstance(spec, Struct):
            out.extend(leaves(spec.fields, name, r, k))
    return out


def unique_names(columns: list[Column]) -> list[Column]:
    """Names unique case-insensitively: a later collision gets `_2`, `_3`, ... (Athena
    lower-cases column names; HealthKitV2Workouts has Metadata.WorkoutName and .workoutname)."""
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        key = c.name.lower()
        if key in seen:
            seen[key] += 1
            c = Column(f"{c.name}_{seen[key]}", c.root, c.keys, c.curated)
        else:
            seen[key] = 1
        out.append(c)
    return out


def parent_columns(dt: DataType) -> list[Column]:
    """Curated parent columns before export dates/Type/cohort."""
    return unique_names(leaves(dt.fields))


def _children(dt: DataType, fields: dict[str, Field], prefix: str, root: str | None,
              keys: tuple[str, ...], parent: str | None) -> list[Child]:
    out: list[Child] = []
    for fname, spec in fields.items():
        spec = _unwrap(spec)
        r = root if root is not None else fname
        k = keys + ((fname,) if root is not None else ())
        path = f"{prefix}_{fname}" if prefix else fname
        if isinstance(spec, Struct):
            out.extend(_children(dt, spec.fields, path, r, k, parent))
        elif isinstance(spec, Array):
            out.append(Child(dt.name, path, r, k, "array", spec.element, parent=parent))
            if isinstance(spec.element, Struct):
                out.extend(_children(dt, spec.element.fields, path, "elem", (), path))
        elif isinstance(spec, OffsetMap):
            out.append(Child(dt.name, path, r, k, "offset_map", None, spec.value,
                             spec.value_type, parent=parent))
    return out


def child_tables(dt: DataType) -> list[Child]:
    return _children(dt, dt.fields, "", None, (), None)


def child_keys(dt: DataType) -> list[str]:
    """Parent columns every child carries: index fields, then ParticipantID if the parent has it."""
    keys = list(dt.index)
    if "ParticipantID" in dt.fields and "ParticipantID" not in keys:
        keys.append("ParticipantID")
    return keys


def child_column_name(short: str, path: str, taken: set[str]) -> str:
    """Spec 4.5: keep the short name unless it collides; then `{path}_{short}`."""
    return f"{path}_{short}" if short.lower() in taken else short


def child_columns(dt: DataType, child: Child) -> list[tuple[str, str]]:
    """(name, curated type) of a child table, in order, `cohort` last."""
    keys = child_keys(dt)
    taken = {"id", "index", "cohort", *(k.lower() for k in keys)}
    types = {c.name: c.curated for c in parent_columns(dt)}
    cols = [(k, types[k]) for k in keys]
    if child.parent:
        cols.append((f"{child.parent}_index", "bigint"))
    cols.append(("index", "bigint"))
    if child.kind == "offset_map":
        cols.append((child_column_name("OffsetInSeconds", child.path, taken), "bigint"))
        vtype = "bigint" if child.value_type == "int" else "double"
        cols.append((child_column_name(child.value, child.path, taken), vtype))
    elif isinstance(child.element, Scalar):
        cols.append((f"{child.path}_val", child.element.curated))
    elif isinstance(child.element, Struct):
        for c in unique_names(leaves(child.element.fields, root="elem")):
            cols.append((child_column_name(c.name, child.path, taken), c.curated))
    cols.append(("cohort", "varchar"))
    return cols


def parent_column_list(dt: DataType) -> list[tuple[str, str]]:
    """(name, curated type) of a parent table, in order, `cohort` last."""
    cols = [(c.name, c.curated) for c in parent_columns(dt)]
    if dt.subtyped:
        cols.append(("Type", "varchar"))
    cols += [("export_start_date", "timestamp"), ("export_end_date", "timestamp"),
             ("cohort", "varchar")]
    return cols


def curated_tables(reg) -> list[str]:
    """Every curated table of the registry: each parent followed by its child tables."""
    names = []
    for dt in reg.primary():
        names.append(parent_table(dt))
        names += [c.table for c in child_tables(dt)]
    return names
