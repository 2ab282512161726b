"""What every curated column means, from the registry's dictionary: the text dbt docs show and
persist_docs writes to the Glue catalog (through the models' YAML that `make models` writes).

Data columns carry their dictionary entry; the columns the pipeline adds (keys a child repeats,
positions, export dates, cohort, subtype) carry a fixed text here, written once.
"""

from __future__ import annotations

from recover.registry.layout import Child, TableLayout, child_columns, restricted_child_columns

TYPE_WORDS = {
    "varchar": "text",
    "bigint": "integer",
    "double": "number",
    "boolean": "boolean",
    "timestamp": "timestamp",
    "date": "date",
}
FIXED = {
    "export_start_date": "Start of the export window that delivered the row, from the raw file "
                         "name (midnight, no time zone); NULL for snapshot types, whose files "
                         "carry only an end date.",
    "export_end_date": "End of the export window that delivered the row, from the raw file name "
                       "(midnight, no time zone). Not a measurement time.",
    "cohort": "Cohort of the export that delivered the row (adults_v1, pediatric_v1): the folder "
              "it was delivered to. The partition column; not part of any key.",
    "Type": "HealthKit subtype of the row (e.g. HeartRate, Steps), from the raw file name.",
    "index": "0-based position of the element in its array (offset maps: in ascending offset "
             "order).",
}


def _text(description: str, curated: str) -> str:
    description = description.rstrip() or "(No description in the registry.)"
    return f"{description} [{TYPE_WORDS[curated]}]"


def parent_columns(t: TableLayout) -> list[tuple[str, str, str]]:
    """(name, curated type, description) of a parent table's columns."""
    docs = {c.name: t.data_type.doc(c.path).description for c in t.columns}
    docs.update({d.name: d.description for d in t.derived})
    return [(name, curated, _text(docs.get(name, FIXED.get(name, "")), curated))
            for name, curated in t.parent_columns]


def restricted_columns(t: TableLayout) -> list[tuple[str, str, str]]:
    docs = {c.name: t.data_type.doc(c.path).description for c in t.columns}
    return [(name, curated, _text(docs.get(name, FIXED.get(name, "")), curated))
            for name, curated in t.restricted_columns]


def child_column_docs(t: TableLayout, child: Child, restricted: bool = False
                      ) -> list[tuple[str, str, str]]:
    """(name, curated type, description) of a child table's columns (or its restricted table's)."""
    key_docs = {c.name: t.data_type.doc(c.path).description for c in t.columns}
    docs: dict[str, str] = {}
    for c in child.element_columns:
        docs[c.name] = t.data_type.doc(c.path).description
    if child.scalar_column is not None:
        docs[child.scalar_column.name] = t.data_type.doc(child.scalar_column.path).description
    if child.kind == "offset_map" and child.value_column is not None:
        meaning = t.data_type.doc(child.dotted).description
        docs[child.offset_column or ""] = (
            f"Offset in seconds of the entry (the key of the offset map `{child.dotted}`), from "
            f"the start of the parent row. {meaning}")
        docs[child.value_column.name] = f"The entry's value. {meaning}"
    if child.parent:
        docs[f"{child.parent}_index"] = (f"0-based position of the enclosing `{child.parent}` "
                                         "element: joins its index in that child table.")
    columns = restricted_child_columns(t, child) if restricted else child_columns(t, child)
    out = []
    for name, curated in columns:
        if name in t.child_keys:
            text = f"Key of the parent row, repeated. {key_docs.get(name, '')}"
        else:
            text = docs.get(name, FIXED.get(name, ""))
        out.append((name, curated, _text(text, curated)))
    return out
