"""The run report: `{run_dir}/report.html`, one self-contained HTML file per build that ran dbt.

What an operator opens (or attaches to a ticket) after a build, passed or failed:

* per data type, this run's records read, rejected, dropped as duplicates, deleted (HealthKit),
  written, and the values that failed their cast (from `record_counts` rows of this run id and
  `cast_failures`);
* every dbt test with its status, and for a failed or warned one up to MAX_ROWS of its failing
  rows: locally as dbt stored them (`store_failures`: schema `{ns}_test_failures`), on Athena
  by running the test's compiled SQL again with a LIMIT;
* the time per layer (staging, intermediate, curated, restricted, monitoring, seeds, tests,
  hooks) from run_results.json's per-node timing and the manifest's fqn, and the slowest nodes;
* inline SVG charts: per data type its READ and WRITE rows per export_end_date as this run
  counted them, and the WRITE total of every build in record_counts' history.

The figures come from a Source: the build's own DuckDB database (local target: read before a
failed build's folder is discarded), or Athena (the build's candidate schema, read after dbt and
before publishing), and from run_results.json / manifest.json. On the Trino test target only
the dbt artifacts are read, and the report says so. Every value is HTML-escaped; the restricted
schema is never read, the failing rows of tests on restricted models are neither read nor
shown, and free-text columns that copy raw lines (`text`, `example_value`) are left out. No
script and no external asset: the file works offline.
"""

from __future__ import annotations

import html
import json
from abc import ABC, abstractmethod
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recover.lake import write_atomic

REPORT_FILE = "report.html"
MAX_ROWS = 20  # failing rows shown per failed or warned test
HIDDEN_COLUMNS = frozenset({"text", "example_value"})  # raw text: may hold personal data
LAYER_ORDER = ("hooks", "seeds", "staging", "intermediate", "curated", "restricted",
               "monitoring", "tests", "unit tests")
EVENTS = ("READ", "REJECTED", "DROP_DUPLICATES", "DROP_DELETED_SAMPLES", "WRITE")


@dataclass
class Node:
    """One node of run_results.json with what the manifest says about it."""

    unique_id: str
    kind: str  # model, test, seed, operation, unit_test
    name: str
    layer: str
    status: str
    seconds: float
    started: str | None
    completed: str | None
    failures: int | None = None
    message: str = ""
    severity: str = ""
    model: str = ""  # a test: the node it tests
    stored: tuple[str, str] | None = None  # a test's stored failures: (schema, table)
    restricted: bool = False  # a test on a restricted model: its rows are never shown
    compiled: str = ""  # a test's compiled SQL (its failing rows), from run_results.json


@dataclass
class StoredRows:
    columns: list[str]
    rows: list[tuple]
    total: int
    hidden: list[str] = field(default_factory=list)
    origin: str = ""  # where they were read: the stored table, or the test's SQL


@dataclass
class Counts:
    """What the build's database says about this run (None: not read)."""

    by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # type -> event -> rows
    per_export: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    history: list[tuple[str, str, int]] = field(default_factory=list)  # run, started, WRITE
    cast_failures: dict[str, int] | None = None
    stored: dict[str, StoredRows] = field(default_factory=dict)  # test unique_id -> rows
    notes: list[str] = field(default_factory=list)


# -- the dbt artifacts --------------------------------------------------------------------------


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def layer_of(unique_id: str, node: dict) -> str:
    kind = unique_id.split(".")[0]
    if kind == "model":
        fqn = node.get("fqn") or []
        return fqn[1] if len(fqn) > 2 else "models"
    return {"test": "tests", "unit_test": "unit tests", "seed": "seeds",
            "operation": "hooks", "snapshot": "snapshots"}.get(kind, kind)


def read_nodes(run_dir: Path) -> tuple[list[Node], dict]:
    """The nodes this run executed, in run order, and run_results.json's metadata."""
    results = _load(run_dir / "run_results.json")
    manifest = _load(run_dir / "manifest.json").get("nodes", {})
    nodes = []
    for r in results.get("results", []):
        uid = r["unique_id"]
        m = manifest.get(uid, {})
        kind = uid.split(".")[0]
        timing = r.get("timing") or []
        config = m.get("config") or {}
        node = Node(
            unique_id=uid, kind=kind, name=m.get("name") or uid.split(".")[-1],
            layer=layer_of(uid, m), status=r.get("status") or "", seconds=r.get(
                "execution_time") or 0.0,
            started=min((t["started_at"] for t in timing if t.get("started_at")), default=None),
            completed=max((t["completed_at"] for t in timing if t.get("completed_at")),
                          default=None),
            failures=r.get("failures"), message=r.get("message") or "",
            severity=str(config.get("severity") or ""))
        if kind == "test":
            attached = m.get("attached_node") or ""
            node.model = attached.split(".")[-1] if attached else ", ".join(
                d.split(".")[-1] for d in (m.get("depends_on") or {}).get("nodes", []))
            node.restricted = (len(m.get("fqn") or []) > 2 and m["fqn"][1] == "restricted") \
                or str(m.get("schema", "")).endswith("_restricted")
            node.compiled = r.get("compiled_code") or ""
            if config.get("store_failures") is True and m.get("schema") and not node.restricted:
                node.stored = (m["schema"], m.get("alias") or m["name"])
        nodes.append(node)
    return nodes, results.get("metadata", {})


def layer_times(nodes: list[Node]) -> list[tuple[str, int, float, float]]:
    """(layer, nodes, summed node seconds, wall seconds from its first start to its last end)."""
    by_layer: dict[str, list[Node]] = defaultdict(list)
    for n in nodes:
        by_layer[n.layer].append(n)
    out = []
    for layer in sorted(by_layer, key=lambda x: (LAYER_ORDER.index(x) if x in LAYER_ORDER
                                                  else len(LAYER_ORDER), x)):
        group = by_layer[layer]
        starts = [_ts(n.started) for n in group if n.started]
        ends = [_ts(n.completed) for n in group if n.completed]
        wall = (max(ends) - min(starts)).total_seconds() if starts and ends else 0.0
        out.append((layer, len(group), sum(n.seconds for n in group), wall))
    return out


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- where the figures are read: the build's DuckDB database, or Athena ------------------------


class Source(ABC):
    """Where this run's monitoring tables (`schema`.record_counts, .cast_failures) and its
    failing rows are read. `query` runs one SQL text (DuckDB and Athena share it)."""

    schema: str
    label: str  # how the report names it

    @abstractmethod
    def query(self, sql: str) -> list[tuple]:
        """The rows of one query."""

    def tables(self) -> set[tuple[str, str]]:
        """(schema, table) of what exists, lower-cased."""
        return {(str(a).lower(), str(b).lower()) for a, b in self.query(
            "select table_schema, table_name from information_schema.tables where "
            f"table_schema in ({_literal(self.schema)}, {_literal(self.schema + '_test_failures')})")}

    @abstractmethod
    def failing_rows(self, node: Node, tables: set[tuple[str, str]],
                     limit: int) -> StoredRows | None:
        """Up to `limit` failing rows of a flagged test, or None when they are not shown."""

    def close(self) -> None:
        pass


class DuckDBSource(Source):
    """The local target: the build's own database, read-only (before a failed build's folder is
    discarded). Failing rows are the tables dbt stored (`store_failures`)."""

    def __init__(self, database: Path, namespace: str) -> None:
        import duckdb

        self.schema, self.label = namespace, "the build's DuckDB database"
        self.con = duckdb.connect(str(database), read_only=True)

    def query(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def failing_rows(self, node: Node, tables: set[tuple[str, str]],
                     limit: int) -> StoredRows | None:
        if node.stored is None or node.restricted or \
                (node.stored[0].lower(), node.stored[1].lower()) not in tables:
            return None
        schema, table = node.stored
        columns = [r[0] for r in self.query(
            "select column_name from information_schema.columns where table_schema = "
            f"{_literal(schema)} and table_name = {_literal(table)} order by ordinal_position")]
        (total,) = self.query(f"select count(*) from {_rel(schema, table)}")[0]
        shown = [c for c in columns if c.lower() not in HIDDEN_COLUMNS]
        rows = self.query(f"select {', '.join(_quote(c) for c in shown)} from "
                          f"{_rel(schema, table)} limit {int(limit)}") if shown else []
        return StoredRows(shown, rows, int(total), [c for c in columns if c not in shown],
                          f"{schema}.{table}")

    def close(self) -> None:
        self.con.close()


class AthenaSource(Source):
    """Athena: the build's candidate schema, read after dbt and before publishing (its tables
    are then this run's). Failing rows: the test's compiled SQL, run again with a LIMIT (no
    store_failures on Athena: it would need a Glue database and grants of its own)."""

    def __init__(self, query: Any, schema: str) -> None:
        self.athena, self.schema, self.label = query, schema, "Athena"

    def query(self, sql: str) -> list[tuple]:
        return self.athena(sql)

    def failing_rows(self, node: Node, tables: set[tuple[str, str]],
                     limit: int) -> StoredRows | None:
        if node.restricted or not node.compiled.strip():
            return None
        columns, rows = self.athena.run(
            f"select * from (\n{node.compiled.strip().rstrip(';')}\n) limit {int(limit)}")
        keep = [i for i, c in enumerate(columns) if c.lower() not in HIDDEN_COLUMNS]
        return StoredRows([columns[i] for i in keep], [tuple(r[i] for i in keep) for r in rows],
                          int(node.failures or len(rows)),
                          [c for c in columns if c.lower() in HIDDEN_COLUMNS],
                          "the test's compiled SQL, run again")


def read_counts(source: Source, run_id: str, nodes: list[Node],
                max_rows: int = MAX_ROWS) -> Counts:
    """This run's figures: record_counts rows of this run id (and the WRITE history of every
    run), cast_failures, and the failing rows of every failed or warned test."""
    counts = Counts()
    built = {n.name: n.status for n in nodes if n.kind == "model"}
    tables = source.tables()
    schema = source.schema
    if (schema.lower(), "record_counts") in tables:
        rows = source.query(
            f"select data_type, event, cast(export_end_date as varchar), sum(row_count) "
            f"from {_rel(schema, 'record_counts')} where run_id = {_literal(run_id)} "
            "group by 1, 2, 3")
        for dtype, event, export_end, n in rows:
            by_event = counts.by_type.setdefault(dtype, {})
            by_event[event] = by_event.get(event, 0) + int(n or 0)
            per = counts.per_export.setdefault(dtype, {}).setdefault(event, {})
            day = str(export_end)[:10]
            per[day] = per.get(day, 0) + int(n or 0)
        counts.history = [(r, str(s), int(n or 0)) for r, s, n in source.query(
            f"select run_id, cast(min(run_started_at) as varchar), sum(row_count) "
            f"from {_rel(schema, 'record_counts')} where event = 'WRITE' "
            f"group by run_id order by 2, 1")]
    if not counts.by_type:
        counts.notes.append(
            "record_counts holds no rows of this run (record_counts: "
            f"{built.get('record_counts', 'not run')}); the counts below are empty.")
    if built.get("cast_failures") == "success" and (schema.lower(), "cast_failures") in tables:
        counts.cast_failures = {d: int(n or 0) for d, n in source.query(
            f"select data_type, sum(failed_values) from {_rel(schema, 'cast_failures')} "
            "group by data_type")}
    else:
        counts.notes.append("cast_failures was not built in this run "
                            f"({built.get('cast_failures', 'not run')}).")
    for n in nodes:
        if n.kind == "test" and n.status in ("fail", "warn", "error"):
            try:
                rows = source.failing_rows(n, tables, max_rows)
            except Exception as exc:  # noqa: BLE001 - one test's rows, never the whole report
                counts.notes.append(f"{n.name}: its failing rows could not be read "
                                    f"({type(exc).__name__}: {' '.join(str(exc).split())[:300]})")
                continue
            if rows is not None:
                counts.stored[n.unique_id] = rows
    return counts


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rel(schema: str, table: str) -> str:
    return f"{_quote(schema)}.{_quote(table)}"


# -- the report ---------------------------------------------------------------------------------


def write_report(result: Any, namespace: str, target: str, database: Path | None = None,
                 max_rows: int = MAX_ROWS, counts: Counts | None = None) -> Path:
    """Write `{result.run_dir}/report.html` for a BuildResult; return its path.

    The figures: `counts` when given (Athena: read before publishing, see build_counts), else
    read from `database`, the build's DuckDB database (local target); without either the report
    is made of the dbt artifacts.
    """
    run_dir = Path(result.run_dir)
    nodes, metadata = read_nodes(run_dir)
    if counts is None and database is not None and Path(database).exists():
        source = DuckDBSource(Path(database), namespace)
        try:
            counts = read_counts(source, result.run_id, nodes, max_rows)
        finally:
            source.close()
    page = render(result, namespace, target, nodes, metadata, counts, max_rows)
    path = run_dir / REPORT_FILE
    write_atomic(path, [page.encode("utf-8")])
    return path


def build_counts(source: Source, run_dir: Path, run_id: str,
                 max_rows: int = MAX_ROWS) -> Counts:
    """read_counts for the nodes of `run_dir`'s run_results.json."""
    return read_counts(source, run_id, read_nodes(Path(run_dir))[0], max_rows)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em;
color:#222;max-width:1200px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.pass,.success{color:#1a7f37}.warn{color:#9a6700}.fail,.error{color:#cf222e;font-weight:bold}
.skipped{color:#777}.note{color:#555;font-style:italic}
.charts{display:flex;flex-wrap:wrap;gap:8px}.chart{border:1px solid #eee}
.failure{margin:1em 0}.failure h3{font-size:1em;margin:.2em 0}
code{font-size:.9em}
"""


def render(result: Any, namespace: str, target: str, nodes: list[Node], metadata: dict,
           counts: Counts | None, max_rows: int = MAX_ROWS) -> str:
    verdict = "passed" if result.ok else "FAILED"
    published = "published" if result.published else "not published (readers keep the " \
        "previous build)"
    plan = getattr(result.plan, "reason", "") if getattr(result, "plan", None) else ""
    tests = [n for n in nodes if n.kind == "test"]
    by_status: dict[str, int] = defaultdict(int)
    for n in tests:
        by_status[n.status] += 1
    models = [n for n in nodes if n.kind == "model"]
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>RECOVER run {_e(result.run_id)} ({_e(namespace)}): {_e(verdict)}</title>",
        f"<style>{STYLE}</style></head><body>",
        (f"<h1>RECOVER build <code>{_e(result.run_id)}</code>: "
        f'<span class="{"pass" if result.ok else "fail"}" id="verdict">{_e(verdict)}</span>, '
        f'<span id="published">{_e(published)}</span></h1>'),
        '<table id="run">',
        f"<tr><th>Namespace</th><td>{_e(namespace)}</td></tr>",
        f"<tr><th>Target</th><td>{_e(target)}</td></tr>",
        f"<tr><th>dbt started</th><td>{_e(metadata.get('invocation_started_at', ''))}</td></tr>",
        (f"<tr><th>Report written</th><td>{_e(datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ'))}"
        "</td></tr>"),
        f"<tr><th>Build time so far</th><td>{_e(f'{result.seconds:.1f} s')}</td></tr>",
        f"<tr><th>Plan</th><td>{_e(plan)}</td></tr>",
        (f"<tr><th>Models</th><td>{sum(1 for n in models if n.status == 'success')} of "
        f"{len(models)} built</td></tr>"),
        "<tr><th>Tests</th><td>" + _e(", ".join(
            f"{by_status[s]} {s}" for s in ("pass", "warn", "fail", "error", "skipped")
            if by_status.get(s))) + "</td></tr>",
        "</table>",
    ]
    failures = [f for f in getattr(result, "failures", []) if f]
    if failures:
        out.append("<h2>Failures</h2><ul>")
        out += [f"<li><pre>{_e(f)}</pre></li>" for f in failures[:50]]
        out.append("</ul>")
    out += _counts_section(counts, target)
    out += _tests_section(tests, counts, target, max_rows)
    out += _timing_section(nodes)
    out += _plots_section(counts)
    out.append("</body></html>\n")
    return "\n".join(out)


COUNT_COLUMNS = (("read", "Read"), ("rejected", "Rejected"), ("duplicates", "Duplicates dropped"),
                 ("deleted", "Deleted"), ("written", "Written"), ("cast_failures", "Failed casts"))


def count_row(events: dict[str, int]) -> dict[str, int | None]:
    """The report's columns from record_counts' events (each one counts rows *after* its step)."""
    read = events.get("READ")
    dedup = events.get("DROP_DUPLICATES")
    after_delete = events.get("DROP_DELETED_SAMPLES")
    return {
        "read": read, "rejected": events.get("REJECTED", 0),
        "duplicates": read - dedup if read is not None and dedup is not None else None,
        "deleted": dedup - after_delete if dedup is not None and after_delete is not None
        else None,
        "written": events.get("WRITE"),
    }


def _counts_section(counts: Counts | None, target: str) -> list[str]:
    out = ['<h2 id="records">Records per data type (this run)</h2>']
    if counts is None and target == "local":
        out.append('<p class="note">The build\'s database was not there to read (dbt stopped '
                   "before creating it): no counts for this run.</p>")
        return out
    if counts is None:
        out.append(f'<p class="note">Target {_e(target)}: the report is made of dbt\'s '
                   "run_results.json and manifest.json only; the counts were not read (see the "
                   "build's output for why). They are in the namespace's record_counts and "
                   "cast_failures tables (where run_id = this run).</p>")
        return out
    out += [f'<p class="note">{_e(n)}</p>' for n in counts.notes]
    types = sorted(set(counts.by_type) | set(counts.cast_failures or {}))
    if not types:
        return out
    out.append('<p class="note">From record_counts (rows of this run id, summed over '
               "export_end_date) and cast_failures. Duplicates dropped = READ - DROP_DUPLICATES; "
               "Deleted = DROP_DUPLICATES - DROP_DELETED_SAMPLES (HealthKit); {type}_deleted rows "
               "are the deletion records themselves.</p>")
    out.append('<table id="counts"><tr><th>Data type</th>'
               + "".join(f'<th class="n" data-col="{k}">{_e(label)}</th>'
                         for k, label in COUNT_COLUMNS) + "</tr>")
    for dtype in types:
        row = count_row(counts.by_type.get(dtype, {}))
        if counts.cast_failures is not None and not dtype.endswith("_deleted"):
            row["cast_failures"] = counts.cast_failures.get(dtype, 0)
        else:
            row["cast_failures"] = None
        out.append(f'<tr data-type="{_e(dtype)}"><td>{_e(dtype)}</td>' + "".join(
            f'<td class="n" data-col="{k}">{_n(row.get(k))}</td>' for k, _ in COUNT_COLUMNS)
            + "</tr>")
    out.append("</table>")
    return out


def _tests_section(tests: list[Node], counts: Counts | None, target: str,
                   max_rows: int) -> list[str]:
    out = ['<h2 id="failed-tests">Failed and warned tests</h2>']
    bad = [n for n in tests if n.status in ("fail", "error", "warn")]
    rank = {"error": 0, "fail": 1, "warn": 2}
    bad.sort(key=lambda n: (rank[n.status], n.name))
    if not bad:
        out.append("<p>None: every test that ran passed.</p>")
    for n in bad:
        out.append(f'<div class="failure" data-test="{_e(n.unique_id)}">'
                   f'<h3><span class="{_e(n.status)}">{_e(n.status.upper())}</span> '
                   f"<code>{_e(n.name)}</code> on <code>{_e(n.model)}</code> "
                   f"(severity {_e(n.severity)}, {_n(n.failures)} failing rows)</h3>"
                   f"<p>{_e(n.message)}</p>")
        stored = counts.stored.get(n.unique_id) if counts is not None else None
        if stored is not None:
            out.append(f'<p class="note">Failing rows from <code>{_e(stored.origin)}</code>, '
                       f"the first {min(stored.total, max_rows, len(stored.rows))} of "
                       f"{stored.total:,}"
                       + (f"; columns not shown (raw text): {_e(', '.join(stored.hidden))}"
                          if stored.hidden else "") + ".</p>")
            out.append('<table class="rows"><tr>' + "".join(
                f"<th>{_e(c)}</th>" for c in stored.columns) + "</tr>")
            for row in stored.rows:
                out.append("<tr>" + "".join(f"<td>{_e(_short(v))}</td>" for v in row) + "</tr>")
            out.append("</table>")
        elif n.restricted:
            out.append('<p class="note">Failing rows are not shown for this test '
                       "(restricted data).</p>")
        elif counts is None:
            out.append('<p class="note">Failing rows were not read on this target: run the '
                       "test's compiled SQL (run_results.json) to see them.</p>")
        elif n.stored is None and target == "local":
            out.append('<p class="note">Failing rows are not stored for this test '
                       "(store_failures off).</p>")
        else:
            out.append('<p class="note">Its stored failing rows were not found.</p>')
        out.append("</div>")
    out.append('<h2 id="tests-all">Every test</h2>')
    out.append('<table id="tests"><tr><th>Test</th><th>On</th><th>Severity</th><th>Status</th>'
               '<th class="n">Failing rows</th><th class="n">Seconds</th></tr>')
    order = {"error": 0, "fail": 1, "warn": 2, "skipped": 3, "pass": 4}
    for n in sorted(tests, key=lambda n: (order.get(n.status, 5), n.name)):
        out.append(f'<tr data-test="{_e(n.unique_id)}" data-status="{_e(n.status)}">'
                   f"<td>{_e(n.name)}</td><td>{_e(n.model)}</td><td>{_e(n.severity)}</td>"
                   f'<td class="{_e(n.status)}">{_e(n.status)}</td>'
                   f'<td class="n">{_n(n.failures)}</td><td class="n">{n.seconds:.2f}</td></tr>')
    out.append("</table>")
    return out


def _short(value: Any, limit: int = 200) -> str:
    text = "NULL" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _timing_section(nodes: list[Node]) -> list[str]:
    out = ['<h2 id="time">Time per layer</h2>',
           ('<p class="note">From run_results.json: node seconds summed per layer (dbt runs '
           "nodes on several threads, so the sum can exceed the wall time), and the wall time "
           "from the layer's first node start to its last node end.</p>"),
           ('<table id="layers"><tr><th>Layer</th><th class="n">Nodes</th>'
           '<th class="n">Node seconds</th><th class="n">Wall seconds</th></tr>')]
    for layer, count, summed, wall in layer_times(nodes):
        out.append(f'<tr data-layer="{_e(layer)}"><td>{_e(layer)}</td><td class="n">{count}</td>'
                   f'<td class="n">{summed:.1f}</td><td class="n">{wall:.1f}</td></tr>')
    out.append("</table><h3>Slowest nodes</h3>"
               '<table id="slowest"><tr><th>Node</th><th>Layer</th><th>Status</th>'
               '<th class="n">Seconds</th></tr>')
    for n in sorted(nodes, key=lambda n: -n.seconds)[:10]:
        out.append(f"<tr><td>{_e(n.name)}</td><td>{_e(n.layer)}</td><td>{_e(n.status)}</td>"
                   f'<td class="n">{n.seconds:.2f}</td></tr>')
    out.append("</table>")
    return out


def _plots_section(counts: Counts | None) -> list[str]:
    out = ['<h2 id="plots">Counts per export</h2>']
    if counts is None or not counts.per_export:
        out.append('<p class="note">No counts to plot for this run.</p>')
        return out
    if counts.history:
        out.append("<h3>Rows written (WRITE, every data type) by each build in record_counts' "
                   "history</h3>")
        out.append(line_chart({"WRITE": [(run, n) for run, _started, n in counts.history]},
                              "builds (oldest first)", width=620, height=180))
    out.append('<h3>READ and WRITE rows per export_end_date, per data type (this run)</h3>'
               '<div class="charts">')
    for dtype in sorted(counts.per_export):
        per = counts.per_export[dtype]
        series = {e: sorted(per[e].items()) for e in ("READ", "WRITE") if e in per}
        if series:
            out.append(line_chart(series, dtype))
    out.append("</div>")
    return out


COLOURS = {"READ": "#0969da", "WRITE": "#1a7f37"}


def line_chart(series: dict[str, list[tuple[str, int]]], title: str, width: int = 290,
               height: int = 150) -> str:
    """An inline SVG line chart: categorical x (sorted labels of every series), y from 0."""
    xs = sorted({x for points in series.values() for x, _ in points})
    top = max((y for points in series.values() for _, y in points), default=0) or 1
    left, right, up, down = 48, 8, 22, 30
    plot_w, plot_h = width - left - right, height - up - down

    def px(i: int) -> float:
        return left + (plot_w / 2 if len(xs) == 1 else plot_w * i / (len(xs) - 1))

    def py(y: int) -> float:
        return up + plot_h * (1 - y / top)

    parts = [(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height}" role="img" aria-label="{_e(title)}">'),
             f"<title>{_e(title)}</title>",
             f'<text x="{left}" y="14" font-size="12" font-weight="bold">{_e(title)}</text>',
             (f'<line x1="{left}" y1="{up + plot_h}" x2="{left + plot_w}" y2="{up + plot_h}" '
             'stroke="#999"/>'),
             f'<line x1="{left}" y1="{up}" x2="{left}" y2="{up + plot_h}" stroke="#999"/>',
             (f'<text x="{left - 4}" y="{up + 4}" font-size="10" text-anchor="end">'
             f"{_e(f'{top:,}')}</text>"),
             f'<text x="{left - 4}" y="{up + plot_h}" font-size="10" text-anchor="end">0</text>']
    if xs:
        parts.append(f'<text x="{left}" y="{height - 14}" font-size="9">{_e(xs[0])}</text>')
        if len(xs) > 1:
            parts.append(f'<text x="{left + plot_w}" y="{height - 14}" font-size="9" '
                         f'text-anchor="end">{_e(xs[-1])}</text>')
    index = {x: i for i, x in enumerate(xs)}
    for k, (name, points) in enumerate(series.items()):
        colour = COLOURS.get(name, "#8250df")
        coords = [(px(index[x]), py(y), x, y) for x, y in points]
        if len(coords) > 1:
            parts.append('<polyline fill="none" stroke-width="1.5" stroke="' + colour
                         + '" points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b, _, _ in coords)
                         + '"/>')
        for a, b, x, y in coords:
            parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{colour}">'
                         f"<title>{_e(name)} {_e(x)}: {_e(f'{y:,}')}</title></circle>")
        parts.append(f'<text x="{left + 8 + 60 * k}" y="{height - 3}" font-size="10" '
                     f'fill="{colour}">{_e(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
