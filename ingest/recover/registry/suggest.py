"""Registry entries for JSON paths the data carries but the registry does not declare.

`recover registry suggest` feeds this the rows of the schema_drift table; each path becomes a
field spec from the JSON kind the raw profile saw (string / int / double / boolean; text that
reads as an ISO date-time, a date or an integer becomes `string as timestamp` / `as date` /
`as bigint`; objects and arrays get a skeleton to fill in), printed as YAML to paste under the
data type's `meta.fields`. Nothing changes until someone edits the registry and runs
`make models`. Example values of text are never kept (they may be personal data).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Drift:
    data_type: str
    path: str  # dotted; `[]` marks array elements
    records: int
    first_export: str
    last_export: str
    example_value: str | None  # JSON text
    value_kind: str | None


SPECS = {"string_timestamp": "string as timestamp", "string_date": "string as date",
         "string_int": "string as bigint", "string": "string", "int": "int", "double": "double",
         "boolean": "boolean", "object": "{}", "array": "[string]"}


def field_spec(kind: str | None) -> str:
    """The registry spec for a JSON kind of schema_drift (strings by what their text looks like)."""
    return SPECS.get(kind or "", "string")


def suggest(rows: list[Drift]) -> str:
    """YAML fragments, one block per data type, nested like the registry's `fields`."""
    out: list[str] = []
    for data_type in sorted({r.data_type for r in rows}):
        out.append(f"# {data_type}: add under meta.fields in models/staging/_recover__sources.yml,"
                   " then run `make models`")
        tree: dict = {}
        for r in sorted((r for r in rows if r.data_type == data_type), key=lambda r: r.path):
            node = tree
            steps = r.path.replace("[]", "").split(".")
            for step in steps[:-1]:
                node = node.setdefault(step, {})
            note = (f"{r.records} record(s), exports {r.first_export} .. {r.last_export}; "
                    f"e.g. {r.example_value}")
            node[steps[-1]] = (field_spec(r.value_kind), note)
        out += _render(tree, 0)
        out.append("")
    return "\n".join(out)


def _render(tree: dict, depth: int) -> list[str]:
    lines = []
    for key, value in tree.items():
        pad = "  " * depth
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines += _render(value, depth + 1)
        else:
            spec, note = value
            lines.append(f"{pad}{key}: {spec}    # {note}")
    return lines
