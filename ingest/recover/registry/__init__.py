"""The data-type registry: every RECOVER data type, its fields and its curated layout.

    model.py     the objects (DataType, field specs, Registry)
    loader.py    the only parser of the registry file (models/staging/_recover__sources.yml)
    layout.py    the curated layout derived from it: model names, columns, child tables
    dbt_data.py  that layout as data for the dbt macros (macros/generated/registry_data.sql)

Imports nothing from the rest of the package but `recover.lake` (the identifier rule).
"""

# The public names (`__all__`) of both modules.
from recover.registry.loader import *
from recover.registry.model import *
