"""The registry's objects: data types and the specs of their fields. Immutable, no I/O.

loader.py builds them from the registry file; layout.py derives the curated tables from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CURATED_TYPES", "DERIVED_RULES", "GROUPS", "JSON_TYPES", "OFFSET_MAP_VALUE_TYPES",
           "PERSONAL", "Array", "DataType", "Derived", "Field", "FieldDoc", "JsonString",
           "OffsetMap", "Registry", "Scalar", "Struct", "field_paths"]

# JSON type as delivered -> curated type when no `as <curated>` is given.
JSON_TYPES = {"string": "varchar", "int": "bigint", "double": "double", "boolean": "boolean"}
CURATED_TYPES = frozenset({"varchar", "bigint", "double", "boolean", "timestamp", "date"})
OFFSET_MAP_VALUE_TYPES = frozenset({"int", "double"})
GROUPS = ("participant", "healthkit", "fitbit", "google", "garmin")  # in report order
# Personal data classes: direct identifiers, and free text that can hold them. Both are kept
# out of the analysts' schema (docs/data-contract.md, "Personal data").
PERSONAL = ("direct", "free_text")
# Derived-column rules (macros/derived.sql) -> (number of source fields, curated type)
DERIVED_RULES = {"birth_year": (2, "bigint"), "age_at": (2, "bigint"), "zip3": (1, "varchar"),
                 "round1": (1, "double"), "epoch_utc": (1, "timestamp"),
                 "epoch_local": (2, "timestamp")}


@dataclass(frozen=True)
class Scalar:
    """A JSON scalar of `json_type`, cast to `curated` in the curated tables."""

    json_type: str  # string | int | double | boolean
    curated: str  # varchar | bigint | double | boolean | timestamp | date


@dataclass(frozen=True)
class Struct:
    """A JSON object; its fields are flattened into `Parent_Field` columns."""

    fields: dict[str, Field]  # insertion-ordered

    def __hash__(self) -> int:
        return hash(tuple(self.fields.items()))


@dataclass(frozen=True)
class Array:
    """A JSON array; becomes a child table."""

    element: Field


@dataclass(frozen=True)
class JsonString:
    """A JSON string whose content is JSON of the `inner` spec (SymptomLog `Value`, ...)."""

    inner: Field


@dataclass(frozen=True)
class OffsetMap:
    """A Garmin object {"<offset>": value, ...}; reshaped to (OffsetInSeconds, value) rows."""

    value: str  # name of the value field; the key field is always OffsetInSeconds (int)
    value_type: str  # int | double


Field = Scalar | Struct | Array | JsonString | OffsetMap


@dataclass(frozen=True)
class FieldDoc:
    """What a field means (the registry's `dictionary`), and whether it is personal data."""

    description: str
    personal: str | None = None  # direct | free_text


@dataclass(frozen=True)
class Derived:
    """A column computed from fields for analysts (the registry's `derived`)."""

    name: str
    rule: str  # a key of DERIVED_RULES
    sources: tuple[str, ...]  # top-level scalar fields it is computed from
    description: str

    @property
    def curated(self) -> str:
        return DERIVED_RULES[self.rule][1]


def field_paths(fields: dict[str, Field], prefix: str = "") -> list[tuple[str, Field]]:
    """Every path the dictionary describes: scalar leaves, arrays and their element fields
    (`A[].x`, `A[]` for scalar elements), offset maps. Struct paths are dotted; JSON strings are
    transparent."""
    out: list[tuple[str, Field]] = []
    for name, spec in fields.items():
        path = f"{prefix}.{name}" if prefix else name
        out += _paths(spec, path)
    return out


def _paths(spec: Field, path: str) -> list[tuple[str, Field]]:
    if isinstance(spec, JsonString):
        return _paths(spec.inner, path)
    if isinstance(spec, Struct):
        return field_paths(spec.fields, path)
    if isinstance(spec, Array):
        element = spec.element.inner if isinstance(spec.element, JsonString) else spec.element
        if isinstance(element, Struct):
            return [(path, spec), *field_paths(element.fields, f"{path}[]")]
        return [(path, spec), (f"{path}[]", element)]
    return [(path, spec)]


@dataclass(frozen=True)
class DataType:
    """One data type (a raw table): see docs/registry.md for the meaning of each attribute."""

    name: str
    identifier: str
    group: str
    index: tuple[str, ...]
    inserted_date: bool
    snapshot: bool
    subtypes: tuple[str, ...]
    deleted_of: str | None
    fields: dict[str, Field]
    description: str
    expected_columns: tuple[str, ...] = ()  # curated columns a data-quality test requires
    dictionary: dict[str, FieldDoc] = field(default_factory=dict)  # path -> meaning
    derived: tuple[Derived, ...] = ()

    def __hash__(self) -> int:
        return hash((self.name, self.identifier))

    def doc(self, path: str) -> FieldDoc:
        """The dictionary entry of a path (an empty one when the registry has none)."""
        return self.dictionary.get(path, FieldDoc(""))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_of is not None

    @property
    def subtyped(self) -> bool:
        return bool(self.subtypes)

    @property
    def raw_columns(self) -> list[str]:
        """The raw table's columns: the top-level field names, in order.

        Raw tables are schema-on-read: every column is declared string/VARCHAR and nested
        values arrive as JSON text. Export dates, cohort and the subtype come from the file
        path, not from these columns.
        """
        return list(self.fields)


class Registry:
    """All data types of the registry file, by name, in file order."""

    def __init__(self, types: dict[str, DataType], path: Path | None = None) -> None:
        self.types = types
        self.path = path

    def __getitem__(self, name: str) -> DataType:
        try:
            return self.types[name]
        except KeyError:
            raise KeyError(f"unknown data type {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.types

    def __iter__(self) -> Iterator[DataType]:
        return iter(self.types.values())

    def __len__(self) -> int:
        return len(self.types)

    def primary(self) -> list[DataType]:
        return [dt for dt in self.types.values() if not dt.is_deleted]

    def deleted(self) -> list[DataType]:
        return [dt for dt in self.types.values() if dt.is_deleted]

    def deletions_of(self, dt: DataType) -> DataType | None:
        """The `_Deleted` data type that lists deletions of `dt`, if any."""
        return next((d for d in self.deleted() if d.deleted_of == dt.name), None)

    def names(self) -> list[str]:
        return list(self.types)

    def groups(self) -> dict[str, list[DataType]]:
        """Primary data types by device group, groups in GROUPS order."""
        out: dict[str, list[DataType]] = {}
        for group in GROUPS:
            members = [dt for dt in self.primary() if dt.group == group]
            if members:
                out[group] = members
        return out

    def __repr__(self) -> str:
        return f"Registry({len(self.types)} types from {self.path})"
