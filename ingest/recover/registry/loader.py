"""Load the registry file strictly: a typo in a field spec is an error naming the data type and
the field path, not a silently wrong column.

The registry lives in the dbt sources file `models/staging/_recover__sources.yml` (format:
docs/registry.md), so dbt, the ingest and the synthetic generator read one source of truth.
This module is its only parser; model.py holds the objects it builds.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from recover.registry import model
from recover.registry.model import Array, DataType, JsonString, OffsetMap, Registry, Scalar, Struct

if TYPE_CHECKING:
    from recover.registry.model import Field

SOURCE_NAME = "recover_raw"
FILE_NAME = "_recover__sources.yml"
ENV_VAR = "RECOVER_REGISTRY"
__all__ = ["ENV_VAR", "FILE_NAME", "SOURCE_NAME", "RegistryError", "default_path", "load", "parse"]
META_KEYS = ("group", "index", "inserted_date", "snapshot", "subtypes", "deleted_of", "fields")
OPTIONAL_META_KEYS = ("expected_columns", "dictionary", "derived")


class RegistryError(ValueError):
    """The registry file is malformed; the message names the data type and field path."""


_SCALAR_SPEC = re.compile(r"^(?P<json>\w+)(?:\s+as\s+(?P<curated>\w+))?$")


def default_path() -> Path:
    """$RECOVER_REGISTRY, else the copy packaged next to this module, else the repo's file."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    packaged = Path(__file__).with_name(FILE_NAME)
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "models" / "staging" / FILE_NAME


def load(path: str | Path | None = None) -> Registry:
    """Load (and cache) the registry; re-read when the file changes."""
    resolved = Path(path) if path is not None else default_path()
    resolved = resolved.resolve()
    try:
        stat = resolved.stat()
    except OSError as exc:
        raise FileNotFoundError(f"registry file not found: {resolved}") from exc
    return _load_file(resolved, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _load_file(path: Path, _mtime_ns: int, _size: int) -> Registry:
    with path.open(encoding="utf-8") as fh:
        try:
            doc = yaml.load(fh, Loader=_StrictLoader)
        except yaml.YAMLError as exc:
            raise RegistryError(f"{path}: invalid YAML: {exc}") from exc
    try:
        return parse(doc, path)
    except RegistryError as exc:
        raise RegistryError(f"{path}: {exc}") from exc


def parse(doc: Any, path: Path | None = None) -> Registry:
    """Build a Registry from an already-loaded sources document."""
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise RegistryError("not a dbt sources file (no `sources:` list)")
    sources = [s for s in doc["sources"] if isinstance(s, dict) and s.get("name") == SOURCE_NAME]
    if len(sources) != 1:
        raise RegistryError(f"expected exactly one source named {SOURCE_NAME!r}")
    tables = sources[0].get("tables")
    if not isinstance(tables, list) or not tables:
        raise RegistryError(f"source {SOURCE_NAME!r} has no tables")

    types: dict[str, DataType] = {}
    for table in tables:
        dt = _parse_table(table)
        if dt.name in types:
            raise RegistryError(f"{dt.name}: data type declared twice")
        types[dt.name] = dt

    for dt in types.values():
        if dt.deleted_of is None:
            continue
        parent = types.get(dt.deleted_of)
        if parent is None:
            raise RegistryError(f"{dt.name}: deleted_of names unknown data type {dt.deleted_of!r}")
        if parent.is_deleted:
            raise RegistryError(
                f"{dt.name}: deleted_of must name a primary type, not {parent.name}"
            )
    return Registry(types, path)


def _parse_table(table: Any) -> DataType:
    if not isinstance(table, dict) or not isinstance(table.get("name"), str):
        raise RegistryError(f"table entry without a name: {table!r}")
    name = table["name"]
    identifier = table.get("identifier")
    if not isinstance(identifier, str) or not identifier:
        raise RegistryError(f"{name}: missing identifier")
    meta = table.get("meta")
    if not isinstance(meta, dict):
        raise RegistryError(f"{name}: missing meta block")
    missing = [key for key in META_KEYS if key not in meta]
    if missing:
        raise RegistryError(f"{name}: meta is missing {', '.join(missing)}")
    unknown = [key for key in meta if key not in META_KEYS + OPTIONAL_META_KEYS]
    if unknown:
        raise RegistryError(f"{name}: unknown meta key(s) {', '.join(map(str, unknown))}")

    group = meta["group"]
    if group not in model.GROUPS:
        raise RegistryError(f"{name}: unknown group {group!r} (expected one of {sorted(model.GROUPS)})")
    index = _string_list(name, "index", meta["index"])
    if not index:
        raise RegistryError(f"{name}: index must not be empty")
    subtypes = _string_list(name, "subtypes", meta["subtypes"])
    for key in ("inserted_date", "snapshot"):
        if not isinstance(meta[key], bool):
            raise RegistryError(f"{name}: meta.{key} must be true or false, got {meta[key]!r}")
    deleted_of = meta["deleted_of"]
    if deleted_of is not None and not isinstance(deleted_of, str):
        raise RegistryError(f"{name}: deleted_of must be a data type name or null")

    raw_fields = meta["fields"]
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise RegistryError(f"{name}: fields must be a non-empty mapping")
    fields = {key: _parse_field(name, key, spec) for key, spec in _items(name, "", raw_fields)}
    for key in index:
        if not isinstance(fields.get(key), Scalar):
            raise RegistryError(f"{name}: index field {key!r} is not a top-level scalar field")

    expected_columns = _string_list(name, "expected_columns", meta.get("expected_columns", []))
    dictionary = _dictionary(name, fields, meta.get("dictionary") or {})
    derived = _derived(name, fields, meta.get("derived") or {})
    description = table.get("description") or ""
    return DataType(
        name=name,
        identifier=identifier,
        group=group,
        index=tuple(index),
        inserted_date=meta["inserted_date"],
        snapshot=meta["snapshot"],
        subtypes=tuple(subtypes),
        deleted_of=deleted_of,
        fields=fields,
        description=" ".join(str(description).split()),
        expected_columns=tuple(expected_columns),
        dictionary=dictionary,
        derived=derived,
    )


def _dictionary(type_name: str, fields: dict[str, Field], raw: Any) -> dict[str, model.FieldDoc]:
    """`dictionary`: path -> "description" or {description, personal}. Every key must name a path
    of `fields` (a typo is an error); completeness is checked by tests/test_registry.py."""
    if not isinstance(raw, dict):
        raise RegistryError(f"{type_name}: meta.dictionary must be a mapping of paths")
    paths = {path for path, _spec in model.field_paths(fields)}
    out = {}
    for path, entry in raw.items():
        if path not in paths:
            raise RegistryError(f"{type_name}: dictionary names {path!r}, which is not a field path")
        if isinstance(entry, str):
            entry = {"description": entry}
        if not isinstance(entry, dict) or set(entry) - {"description", "personal"} \
                or not isinstance(entry.get("description"), str):
            raise RegistryError(f"{type_name}: dictionary {path}: expected a description "
                                "or {description, personal}")
        personal = entry.get("personal")
        if personal is not None and personal not in model.PERSONAL:
            raise RegistryError(f"{type_name}: dictionary {path}: personal must be one of "
                                f"{', '.join(model.PERSONAL)}, got {personal!r}")
        out[path] = model.FieldDoc(" ".join(entry["description"].split()), personal)
    return out


def _derived(type_name: str, fields: dict[str, Field], raw: Any) -> tuple[model.Derived, ...]:
    if not isinstance(raw, dict):
        raise RegistryError(f"{type_name}: meta.derived must be a mapping of column names")
    out = []
    for column, entry in raw.items():
        where = f"{type_name}: derived {column}"
        if not isinstance(entry, dict) or set(entry) != {"rule", "from", "description"}:
            raise RegistryError(f"{where}: expected {{rule, from, description}}")
        rule, sources = entry["rule"], entry["from"]
        if rule not in model.DERIVED_RULES:
            raise RegistryError(f"{where}: unknown rule {rule!r} "
                                f"(expected one of {sorted(model.DERIVED_RULES)})")
        if not isinstance(sources, list) or len(sources) != model.DERIVED_RULES[rule][0] \
                or not all(isinstance(fields.get(f), Scalar) for f in sources):
            raise RegistryError(f"{where}: rule {rule} takes {model.DERIVED_RULES[rule][0]} "
                                "top-level scalar field(s)")
        out.append(model.Derived(column, rule, tuple(sources), " ".join(str(entry["description"]).split())))
    return tuple(out)


def _parse_field(type_name: str, path: str, spec: Any) -> Field:
    def fail(message: str) -> RegistryError:
        return RegistryError(f"{type_name}: field {path}: {message}")

    if isinstance(spec, str):
        match = _SCALAR_SPEC.match(spec.strip())
        if not match:
            raise fail(f"malformed spec {spec!r} (expected '<json type> [as <curated type>]')")
        json_type, curated = match["json"], match["curated"]
        if json_type not in model.JSON_TYPES:
            raise fail(f"unknown JSON type {json_type!r} (expected one of {sorted(model.JSON_TYPES)})")
        if curated is None:
            curated = model.JSON_TYPES[json_type]
        elif curated not in model.CURATED_TYPES:
            raise fail(
                f"unknown curated type {curated!r} (expected one of {sorted(model.CURATED_TYPES)})"
            )
        return Scalar(json_type, curated)

    if isinstance(spec, list):
        if len(spec) != 1:
            raise fail(f"an array spec has exactly one element spec, got {len(spec)}")
        return Array(_parse_field(type_name, f"{path}[]", spec[0]))

    if isinstance(spec, dict):
        directives = [key for key in spec if isinstance(key, str) and key.startswith("$")]
        if not directives:
            if not spec:
                raise fail("empty struct")
            return Struct(
                {
                    key: _parse_field(type_name, f"{path}.{key}", sub)
                    for key, sub in _items(type_name, path, spec)
                }
            )
        if len(spec) != 1:
            raise fail(f"{directives[0]} must be the only key of its mapping")
        directive, inner = next(iter(spec.items()))
        if directive == "$json":
            return JsonString(_parse_field(type_name, path, inner))
        if directive == "$offset_map":
            return _parse_offset_map(fail, inner)
        raise fail(f"unknown directive {directive!r} (expected $json or $offset_map)")

    raise fail(f"malformed spec {spec!r}")


def _parse_offset_map(fail, inner: Any) -> OffsetMap:
    if not isinstance(inner, dict) or set(inner) != {"value", "type"}:
        raise fail("$offset_map needs exactly {value: <field name>, type: int|double}")
    value, value_type = inner["value"], inner["type"]
    if not isinstance(value, str) or not value or value == "OffsetInSeconds":
        raise fail(f"$offset_map value must be a field name other than OffsetInSeconds: {value!r}")
    if value_type not in model.OFFSET_MAP_VALUE_TYPES:
        raise fail(f"$offset_map type must be int or double, got {value_type!r}")
    return OffsetMap(value, value_type)


def _items(type_name: str, path: str, mapping: dict) -> list[tuple[str, Any]]:
    for key in mapping:
        if not isinstance(key, str) or not key:
            where = f"field {path}" if path else "fields"
            raise RegistryError(f"{type_name}: {where}: field names must be strings, got {key!r}")
    return list(mapping.items())


def _string_list(type_name: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RegistryError(f"{type_name}: meta.{key} must be a list of names, got {value!r}")
    if len(set(value)) != len(value):
        raise RegistryError(f"{type_name}: meta.{key} has duplicates")
    return value


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
