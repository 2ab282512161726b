"""The data-type registry: every RECOVER data type, its fields and its curated layout.

    model.py     the objects (DataType, field specs, Registry)
    loader.py    the only parser of the registry file (models/staging/_recover__sources.yml)
    layout.py    the curated layout derived from it: model names, columns, child tables
    dbt_data.py  that layout as data for the dbt macros (macros/generated/registry_data.sql)

Imports nothing from the rest of the package but `recover.lake` (the identifier rule).
"""

from recover.registry.loader import (
    ENV_VAR,
    FILE_NAME,
    SOURCE_NAME,
    RegistryError,
    default_path,
    load,
    parse,
)
from recover.registry.model import (
    CURATED_TYPES,
    GROUPS,
    JSON_TYPES,
    Array,
    DataType,
    Field,
    JsonString,
    OffsetMap,
    Registry,
    Scalar,
    Struct,
)

__all__ = [
    "CURATED_TYPES", "ENV_VAR", "FILE_NAME", "GROUPS", "JSON_TYPES", "SOURCE_NAME", "Array",
    "DataType", "Field", "JsonString", "OffsetMap", "Registry", "RegistryError", "Scalar",
    "Struct", "default_path", "load", "parse",
]
