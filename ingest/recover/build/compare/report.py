"""The comparison as text, markdown or one self-contained HTML page (inline CSS, every value
escaped)."""

from __future__ import annotations

import html
from typing import Any

from recover.build.compare.model import (
    KIND_TITLES,
    KINDS,
    RESTRICTED,
    Comparison,
    Example,
    TableResult,
)


def _v(value: Any) -> str:
    if value is None:
        return "NULL"
    return str(value)


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _key_text(example: Example) -> str:
    return ", ".join(f"{k}={_v(v)}" for k, v in example.key.items())


def _change_text(change: tuple[str, Any, Any], redacted: bool) -> str:
    col, old, new = change
    return col if redacted else f"{col}: {_v(old)} -> {_v(new)}"


def _schema_lines(t: TableResult) -> list[str]:
    lines = [f"column {name} ({typ}) only in base" for name, typ in t.columns_only_base]
    lines += [f"column {name} ({typ}) only in candidate" for name, typ in t.columns_only_candidate]
    lines += [f"column {name}: type {old} -> {new}" for name, old, new in t.type_changes]
    return lines


def _example_lines(t: TableResult, kind: str) -> list[str]:
    out = []
    for ex in t.examples[kind]:
        text = _key_text(ex)
        if ex.count > 1:
            text += f" (x{ex.count})"
        if ex.changes:
            text += "; " + "; ".join(_change_text(c, t.schema == RESTRICTED) for c in ex.changes)
        out.append(text)
    return out


def _counts(t: TableResult) -> dict[str, int]:
    return {"only_base": t.only_base, "only_candidate": t.only_candidate,
            "differing": t.differing}


def _header(c: Comparison) -> list[str]:
    def ns(name: str, build: str) -> str:
        return f"{name} (build {build})" if build else name

    differ = len(c.different)
    first = (f"Comparison of {ns(c.base, c.base_build)} (base) with "
             f"{ns(c.candidate, c.candidate_build)} (candidate) on {c.where}")
    second = (f"{len(c.tables)} table(s) compared: {len(c.tables) - differ} equal, "
              f"{differ} differ ({c.seconds:.1f} s)")
    return [first, second]


SUMMARY_COLUMNS = ("table", "status", "rows base", "rows candidate", "only in base",
                   "only in candidate", "values differ", "schema")


def _summary_row(t: TableResult) -> list[str]:
    return [t.name, t.status, _n(t.rows_base), _n(t.rows_candidate), _n(t.only_base),
            _n(t.only_candidate), "-" if t.method != "key" else _n(t.differing),
            "differs" if t.schema_differs else ""]


def _details(t: TableResult) -> list[tuple[str, list[str]]]:
    """(heading, lines) blocks describing one differing table."""
    blocks: list[tuple[str, list[str]]] = []
    how = (f"matched by key ({', '.join(t.key)})" if t.method == "key"
           else "compared as multisets of rows" if t.method == "multiset" else "")
    facts = [how] if how else []
    if t.note:
        facts.append(t.note)
    if t.excluded:
        facts.append(f"not compared (differ by construction): {', '.join(t.excluded)}")
    if t.schema == RESTRICTED:
        facts.append("personal data: values are not shown")
    blocks.append(("", facts))
    schema = _schema_lines(t)
    if schema:
        blocks.append(("schema", schema))
    for kind in KINDS:
        count = _counts(t)[kind]
        if count:
            lines = _example_lines(t, kind)
            shown = f", first {len(lines)}" if lines and len(lines) < count else ""
            blocks.append((f"{KIND_TITLES[kind]}: {count:,}{shown}", lines))
    return blocks


def render_text(c: Comparison) -> str:
    lines = _header(c) + [""]
    rows = [list(SUMMARY_COLUMNS)] + [_summary_row(t) for t in c.tables]
    widths = [max(len(r[i]) for r in rows) for i in range(len(SUMMARY_COLUMNS))]
    for r in rows:
        lines.append("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(r, widths, strict=True))).rstrip())
    for t in c.different:
        lines += ["", f"{t.name}: {t.status}"]
        for heading, body in _details(t):
            indent = "  "
            if heading:
                lines.append(f"  {heading}")
                indent = "    "
            lines += [indent + b for b in body]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(c: Comparison) -> str:
    head = _header(c)
    lines = [f"## {_md(head[0])}", "", _md(head[1]), "",
             "| " + " | ".join(SUMMARY_COLUMNS) + " |",
             "|---|---|" + "---:|" * (len(SUMMARY_COLUMNS) - 3) + "---|"]
    lines += ["| " + " | ".join(_md(x) for x in _summary_row(t)) + " |" for t in c.tables]
    for t in c.different:
        lines += ["", f"### `{t.name}`: {t.status}", ""]
        for heading, body in _details(t):
            if heading:
                lines.append(f"* {_md(heading)}")
                lines += [f"  * `{b.replace('`', chr(39))}`" for b in body]
            else:
                lines += [f"* {_md(b)}" for b in body]
    return "\n".join(lines) + "\n"


CSS = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .6em}
th{background:#f0f0f0;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.differs td:first-child{font-weight:bold}.differs .status{color:#b00}.equal .status{color:#070}
code{background:#f6f6f6;padding:0 .2em}li{margin:.1em 0}"""


def render_html(c: Comparison) -> str:
    e = html.escape
    head = _header(c)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{e(c.base)} vs {e(c.candidate)}</title>", f"<style>{CSS}</style>",
           "</head><body>", f"<h1>{e(head[0])}</h1>", f"<p>{e(head[1])}</p>",
           '<table id="summary"><thead><tr>'
           + "".join(f"<th>{e(h)}</th>" for h in SUMMARY_COLUMNS) + "</tr></thead><tbody>"]
    for t in c.tables:
        cells = _summary_row(t)
        cls = "differs" if t.differs else "equal"
        out.append(f'<tr class="{cls}">' + "".join(
            f'<td class="{"status" if i == 1 else "n" if 1 < i < 7 else "t"}">{e(x)}</td>'
            for i, x in enumerate(cells)) + "</tr>")
    out.append("</tbody></table>")
    for t in c.different:
        out.append(f'<h2 id="{e(t.name)}"><code>{e(t.name)}</code>: {e(t.status)}</h2>')
        for heading, body in _details(t):
            if heading:
                out.append(f"<h3>{e(heading)}</h3>")
            if body:
                out.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in body) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "html": render_html}


def render(c: Comparison, fmt: str = "text") -> str:
    return RENDERERS[fmt](c)
