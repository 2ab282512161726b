"""The curated layout derived from the registry: model and table names, columns, child tables.

Every rule of the layout lives here, once: snake-cased model names, flattening of structs into
`A_B` columns, case-insensitive unique column names, the child tables of arrays and offset
maps, the parent keys a child carries and the renaming of element fields that collide with
them. The dbt macros do not recompute any of it: dbt_data.py hands this layout to them as
data (the generated macro `recover_registry_data()`), and the scaffold, the generated YAML and
the end-to-end oracle read it from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from recover.registry.model import Array, JsonString, OffsetMap, Scalar, Struct

if TYPE_CHECKING:
    from recover.registry.model import DataType, Field, Registry

# Columns every curated table may carry besides the data's own fields.
EXPORT_COLUMNS = (("export_start_date", "timestamp"), ("export_end_date", "timestamp"))
PARTITION_COLUMN = ("cohort", "varchar")
# A child column keeps an element field's short name unless it collides with one of these or a
# parent key (case-insensitively); then it is called `{path}_{field}`.
CHILD_RESERVED = ("id", "index", "cohort")


@dataclass(frozen=True)
class Column:
    """A curated column read from JSON: `keys` below the raw column (or array element) `root`."""

    name: str  # curated column name, e.g. HeartRateZone_OutOfRangeMax
    root: str  # raw (top-level) field it comes from; "elem" inside an array element
    keys: tuple[str, ...]  # JSON keys below the root
    curated: str  # curated type
    path: str = ""  # the registry dictionary's path, e.g. HeartRateZone.OutOfRangeMax, A[].x
    personal: str | None = None  # direct | free_text: kept out of the analysts' schema


@dataclass(frozen=True)
class JsonStringPath:
    """A field delivered as a JSON *string* ($json): parsed, and a failure counted."""

    path: str  # e.g. Value, CustomFields_Symptoms
    root: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class ObjectKeys:
    """A JSON object of the record whose keys the registry declares (for schema-drift checks).

    `steps` lead from the record to it: a key, or 0 for the first element of an array.
    """

    steps: tuple[str | int, ...]
    known: tuple[str, ...]

    @property
    def path(self) -> str:
        """Display form: `CustomFields`, `SleepLogDetails[]`, `Summaries[].Foo`."""
        out = ""
        for step in self.steps:
            out += "[]" if step == 0 else (f".{step}" if out else str(step))
        return out


class _Classified:
    """`public_columns` and `personal_columns` of the column tuple named by `classified`: the
    personal ones go to the restricted schema, the others to the analysts' schema."""

    classified: ClassVar[str]

    @property
    def public_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in getattr(self, self.classified) if c.personal is None)

    @property
    def personal_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in getattr(self, self.classified) if c.personal is not None)


@dataclass(frozen=True)
class Child(_Classified):
    """A child table: one row per element of an array (or entry of an offset map)."""

    data_type: str
    path: str  # e.g. SleepLogDetails, CustomFields_Symptoms, Summaries_EpochSummaries
    root: str
    keys: tuple[str, ...]  # below root; for nested children: below the outer element
    kind: str  # array | offset_map
    table: str
    parent: str | None = None  # path of the enclosing array, for arrays inside array elements
    # The curated columns, in order (see child_columns for the whole list):
    element_columns: tuple[Column, ...] = ()  # struct elements: one per element leaf
    scalar_column: Column | None = None  # arrays of scalars: `{path}_val`
    offset_column: str | None = None  # offset maps: the OffsetInSeconds column's name
    value_column: Column | None = None  # offset maps: the value column (keys unused)
    dotted: str = ""  # the registry dictionary's path of the array, e.g. CustomFields.Symptoms
    classified: ClassVar[str] = "element_columns"

    @property
    def value_type(self) -> str | None:
        return self.value_column.curated if self.value_column else None

    @property
    def restricted_table(self) -> str | None:
        """The child's table in the restricted schema, when some element field is personal."""
        return self.table if self.personal_columns else None


@dataclass(frozen=True)
class Models:
    """The dbt model names of one data type."""

    staging: str
    deduplicated: str  # one row per key (for a `_Deleted` type: the deleted keys)
    parent: str | None  # primary types only


@dataclass(frozen=True)
class TableLayout(_Classified):
    """Everything the models need to know about one data type, computed once."""

    data_type: DataType
    models: Models
    columns: tuple[Column, ...]  # typed leaves of the record (the parent's data columns)
    json_strings: tuple[JsonStringPath, ...]
    children: tuple[Child, ...]
    child_keys: tuple[str, ...]
    # every JSON path staging reads from a line (root field first), each once, in order
    line_paths: tuple[tuple[str, ...], ...] = ()
    objects: tuple[ObjectKeys, ...] = ()  # the record and its nested objects, with known keys
    classified: ClassVar[str] = "columns"

    @property
    def derived(self) -> tuple:
        return self.data_type.derived

    @property
    def parent_columns(self) -> list[tuple[str, str]]:
        """(name, curated type) of the parent table, in order, `cohort` last."""
        cols = [(c.name, c.curated) for c in self.public_columns]
        cols += [(d.name, d.curated) for d in self.derived]
        if self.data_type.subtyped:
            cols.append(("Type", "varchar"))
        return cols + list(EXPORT_COLUMNS) + [PARTITION_COLUMN]

    @property
    def restricted_columns(self) -> list[tuple[str, str]]:
        """(name, type) of the parent's restricted table: its key, the personal data, cohort;
        empty when the type holds no personal data."""
        if not self.personal_columns:
            return []
        types = {c.name: c.curated for c in self.columns}
        return ([(k, types[k]) for k in self.data_type.index]
                + [(c.name, c.curated) for c in self.personal_columns] + [PARTITION_COLUMN])

    def child(self, path: str) -> Child:
        for c in self.children:
            if c.path.lower() == path.lower():
                return c
        raise KeyError(f"{self.data_type.name} has no child table {path!r}")


def snake(name: str) -> str:
    """FitbitSleepLogs -> fitbit_sleep_logs (model names: stg_recover__fitbit_sleep_logs)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def parent_table(dt: DataType) -> str:
    return f"dataset_{dt.name.lower()}"


def models(dt: DataType) -> Models:
    s = snake(dt.name)
    if dt.is_deleted:
        return Models(f"stg_recover__{s}", f"int_{s}__deduplicated", None)
    return Models(f"stg_recover__{s}", f"int_{s}__deduplicated", parent_table(dt))


def _unwrap(spec: Field) -> Field:
    return spec.inner if isinstance(spec, JsonString) else spec


def _walk(fields: dict[str, Field], prefix: str, root: str | None, keys: tuple[str, ...]):
    """(name, root, keys, spec) of every field below `fields`, structs descended, $json
    unwrapped; arrays and offset maps are yielded, not descended."""
    for fname, spec in fields.items():
        spec = _unwrap(spec)
        r = root if root is not None else fname
        k = keys + ((fname,) if root is not None else ())
        name = f"{prefix}_{fname}" if prefix else fname
        if isinstance(spec, Struct):
            yield from _walk(spec.fields, name, r, k)
        else:
            yield name, r, k, spec


def leaves(fields: dict[str, Field], root: str | None = None) -> list[Column]:
    """Scalar leaves below `fields`, structs flattened with `_`, names unique."""
    out = [Column(name, r, k, spec.curated)
           for name, r, k, spec in _walk(fields, "", root, ()) if isinstance(spec, Scalar)]
    return unique_names(out)


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


def json_strings(fields: dict[str, Field], root: str | None = None,
                 keys: tuple[str, ...] = (), prefix: str = "") -> list[JsonStringPath]:
    out: list[JsonStringPath] = []
    for fname, spec in fields.items():
        r = root if root is not None else fname
        k = keys + ((fname,) if root is not None else ())
        path = f"{prefix}_{fname}" if prefix else fname
        if isinstance(spec, JsonString):
            out.append(JsonStringPath(path, r, k))
        elif isinstance(spec, Struct):
            out.extend(json_strings(spec.fields, r, k, path))
    return out


def child_keys(dt: DataType) -> tuple[str, ...]:
    """Parent columns every child carries: index fields, then ParticipantID if the parent has it."""
    keys = list(dt.index)
    if "ParticipantID" in dt.fields and "ParticipantID" not in keys:
        keys.append("ParticipantID")
    return tuple(keys)


def _child_name(short: str, path: str, taken: set[str]) -> str:
    """An element field keeps its short name unless it collides; then `{path}_{short}`."""
    return f"{path}_{short}" if short.lower() in taken else short


def _children(dt: DataType, fields: dict[str, Field], prefix: str, root: str | None,
              parent: str | None, taken: set[str]) -> list[Child]:
    out: list[Child] = []
    for path, r, k, spec in _walk(fields, prefix, root, ()):
        table = f"{parent_table(dt)}_{path.lower()}"
        if isinstance(spec, Array):
            element = _unwrap(spec.element)
            if isinstance(element, Scalar):
                out.append(Child(dt.name, path, r, k, "array", table, parent,
                                 scalar_column=Column(f"{path}_val", "elem", (), element.curated)))
            elif isinstance(element, Struct):
                cols = tuple(Column(_child_name(c.name, path, taken), c.root, c.keys, c.curated)
                             for c in leaves(element.fields, root="elem"))
                out.append(Child(dt.name, path, r, k, "array", table, parent,
                                 element_columns=cols))
                out.extend(_children(dt, element.fields, path, "elem", path, taken))
            else:
                out.append(Child(dt.name, path, r, k, "array", table, parent))
        elif isinstance(spec, OffsetMap):
            vtype = "bigint" if spec.value_type == "int" else "double"
            out.append(Child(dt.name, path, r, k, "offset_map", table, parent,
                             offset_column=_child_name("OffsetInSeconds", path, taken),
                             value_column=Column(_child_name(spec.value, path, taken), "elem",
                                                 (), vtype)))
    return out


def _child_key_columns(layout: TableLayout, child: Child) -> list[tuple[str, str]]:
    types = {c.name: c.curated for c in layout.columns}
    cols = [(k, types[k]) for k in layout.child_keys]
    if child.parent:
        cols.append((f"{child.parent}_index", "bigint"))
    return cols + [("index", "bigint")]


def child_columns(layout: TableLayout, child: Child) -> list[tuple[str, str]]:
    """(name, curated type) of a child table, in order, `cohort` last (personal data excepted)."""
    cols = _child_key_columns(layout, child)
    if child.kind == "offset_map":
        assert child.offset_column and child.value_column
        cols += [(child.offset_column, "bigint"), (child.value_column.name, child.value_column.curated)]
    elif child.scalar_column is not None:
        cols.append((child.scalar_column.name, child.scalar_column.curated))
    else:
        cols += [(c.name, c.curated) for c in child.public_columns]
    return cols + [PARTITION_COLUMN]


def restricted_child_columns(layout: TableLayout, child: Child) -> list[tuple[str, str]]:
    """(name, type) of a child's restricted table: its keys, the personal fields, cohort."""
    if not child.personal_columns:
        return []
    return (_child_key_columns(layout, child)
            + [(c.name, c.curated) for c in child.personal_columns] + [PARTITION_COLUMN])


def object_keys(fields: dict[str, Field], steps: tuple[str | int, ...] = ()) -> list[ObjectKeys]:
    """The record (steps ()) and every struct below it, array elements (first one) included;
    JSON strings and offset maps are not objects with fixed keys."""
    out = [ObjectKeys(steps, tuple(fields))]
    for name, spec in fields.items():
        if isinstance(spec, Struct):
            out += object_keys(spec.fields, (*steps, name))
        elif isinstance(spec, Array) and isinstance(spec.element, Struct):
            out += object_keys(spec.element.fields, (*steps, name, 0))
    return out


def json_split(fields: dict[str, Field], path: tuple[str, ...]) -> int | None:
    """Where `path` crosses a JSON string: the number of steps up to and including the string,
    when more steps follow it (SymptomLog `Value.symptoms`: 1), else None. Such a path is read in
    two parts: the string's text from the record, then the rest from that text."""
    spec: Field | None = None
    current: dict[str, Field] | None = fields
    for i, step in enumerate(path):
        if current is None or step not in current:
            return None
        spec = current[step]
        if isinstance(spec, JsonString):
            if i + 1 < len(path):
                return i + 1
            spec = spec.inner
        current = spec.fields if isinstance(spec, Struct) else None
    return None


def read_path(fields: dict[str, Field], path: tuple[str, ...]) -> tuple[str, ...]:
    """The part of `path` read from the record itself (up to a JSON string it crosses)."""
    split = json_split(fields, path)
    return path if split is None else path[:split]


def _documented(dt: DataType, column: Column, path: str) -> Column:
    return replace(column, path=path, personal=dt.doc(path).personal)


def _documented_child(dt: DataType, child: Child, outer: Child | None) -> Child:
    base = (f"{outer.dotted}[]." if outer else f"{child.root}.") + ".".join(child.keys) \
        if (outer or child.keys) else child.root
    base = base.rstrip(".")
    return replace(
        child, dotted=base,
        element_columns=tuple(_documented(dt, c, f"{base}[]." + ".".join(c.keys))
                              for c in child.element_columns),
        scalar_column=(_documented(dt, child.scalar_column, f"{base}[]")
                       if child.scalar_column else None),
        value_column=(replace(child.value_column, path=base) if child.value_column else None))


def table_layout(dt: DataType) -> TableLayout:
    keys = child_keys(dt)
    taken = {*CHILD_RESERVED, *(k.lower() for k in keys)}
    columns = tuple(_documented(dt, c, ".".join((c.root, *c.keys))) for c in leaves(dt.fields))
    strings = tuple(json_strings(dt.fields))
    children: tuple[Child, ...] = ()
    for child in _children(dt, dt.fields, "", None, None, taken):
        outer = next((c for c in children if c.path == child.parent), None)
        children += (_documented_child(dt, child, outer),)
    line_paths: list[tuple[str, ...]] = [(name,) for name in dt.fields]
    top_children = [c for c in children if c.parent is None]
    for item in [*columns, *top_children, *strings]:
        path = read_path(dt.fields, (item.root, *item.keys))
        if path not in line_paths:
            line_paths.append(path)
    return TableLayout(dt, models(dt), columns, strings, children, keys, tuple(line_paths),
                       tuple(object_keys(dt.fields)))


def layouts(reg: Registry) -> dict[str, TableLayout]:
    return {dt.name: table_layout(dt) for dt in reg}


def curated_tables(reg: Registry) -> list[str]:
    """Every curated table of the registry: each parent followed by its child tables."""
    names = []
    for dt in reg.primary():
        names.append(parent_table(dt))
        names += [c.table for c in table_layout(dt).children]
    return names


def key_columns(layout: TableLayout, child: Child | None = None) -> tuple[str, ...]:
    """The columns that identify a row of a curated table (the ones its uniqueness test
    checks): a parent's index fields; a child's parent index fields, the enclosing element's
    `{parent}_index` for nested arrays, and `index`. Restricted tables are keyed the same way."""
    if child is None:
        return tuple(layout.data_type.index)
    return (*layout.data_type.index, *([f"{child.parent}_index"] if child.parent else []),
            "index")


def table_keys(reg: Registry) -> dict[str, tuple[str, ...]]:
    """Every curated table (and restricted table: same names) -> its key columns."""
    keys: dict[str, tuple[str, ...]] = {}
    for dt in reg.primary():
        t = table_layout(dt)
        keys[parent_table(dt)] = key_columns(t)
        for c in t.children:
            keys[c.table] = key_columns(t, c)
    return keys


def restricted_tables(reg: Registry) -> list[str]:
    """Every table of the restricted schema: a parent or child table holding personal data."""
    names = []
    for dt in reg.primary():
        t = table_layout(dt)
        if t.personal_columns:
            names.append(t.models.parent)
        names += [c.table for c in t.children if c.restricted_table]
    return names
