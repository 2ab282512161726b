"""Compare the published tables of two namespaces (a branch's build against `main`), in the engine.

    compare(runner, base, candidate, ...)  -> Comparison: per table, schema differences, row
                                              counts, rows only in one side, rows whose values
                                              differ, and a few examples of each
    DuckDBRunner(lake, base, candidate)       a local lake: both published databases ATTACHed
                                              READ_ONLY to one in-memory connection
    AthenaRunner(base, candidate, workgroup)  AWS: queries on the schemas `{ns}` of the data
                                              catalog, run by Athena
    render(comparison, "text"|"markdown"|"html")

The work runs where the data is: each table is compared by one aggregate query (and, when they
differ, one more for the examples), and only counts and at most `examples` rows per kind come
back to Python, so memory does not grow with the tables. The SQL is plain (UNION ALL, GROUP BY,
CASE, IS DISTINCT FROM, row_number): DuckDB and Athena (Trino) run the same text; a runner
only says how a table is named and how its columns are listed.

How rows are matched
--------------------
* Tables: by default every curated table of the registry (parents and child tables) found in
  either namespace's schema `{ns}`; `select` takes names or globs (`dataset_fitbit*`) over the
  tables of both schemas (monitoring tables included, when named). A table in only one side is
  reported as such. The restricted schema `{ns}_restricted` is compared only when asked, and no
  value of it is ever fetched: its examples show the key and the names of differing columns.
* Columns: schema differences (columns only in one side, type changes; names matched
  case-insensitively, as Athena lower-cases them) are reported; rows are compared on the
  columns present on both sides with the same type. Columns that differ by construction between
  builds (EXCLUDED_COLUMNS: run ids and timestamps; the curated tables carry none, the
  monitoring table record_counts does) are left out.
* Key: the table's key from the registry (recover.registry.layout.key_columns: a parent's index
  fields; a child's parent index fields, `{parent}_index` for nested arrays, and `index`), the
  columns its uniqueness test checks. Rows are grouped by key over both sides at once, which is
  a full outer join on the key in which NULL key parts match each other (IS NOT DISTINCT FROM);
  a key only in the base is a row only in the base, a key in both whose values differ (IS
  DISTINCT FROM, NULL = NULL) a differing row.
* No usable key: when the table has no registry key (a monitoring table), a key column is
  missing on a side, or a key value occurs more than once on a side (the uniqueness test
  failed), the table is compared as two multisets of rows: a row that occurs n times in the
  base and m times in the candidate counts |n - m| times as only in the side with more; no row
  is "differing" then. The report says which method it used and how many keys are duplicated.
"""

from __future__ import annotations

import fnmatch
import html
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from recover.lake import check_identifier, is_s3_uri

# Columns whose values differ by construction between two builds of the same data.
EXCLUDED_COLUMNS = ("run_id", "run_started_at", "invocation_id", "built_at")
KINDS = ("only_base", "only_candidate", "differing")
KIND_TITLES = {"only_base": "only in base", "only_candidate": "only in candidate",
               "differing": "values differ"}
PUBLIC, RESTRICTED = "public", "restricted"


class CompareError(Exception):
    """The comparison cannot run (no published build, unknown table, engine failure); one line."""


# -- results -------------------------------------------------------------------------------------


@dataclass
class Example:
    """One example row: its key (or, compared as multisets, its values) and, for a differing
    row, (column, base value, candidate value) of each column that differs (values None for
    restricted tables: never fetched)."""

    key: dict[str, Any]
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    count: int = 1  # multisets: how many more copies the side holds


@dataclass
class TableResult:
    table: str
    schema: str = PUBLIC  # public ({ns}) | restricted ({ns}_restricted)
    in_base: bool = True
    in_candidate: bool = True
    key: tuple[str, ...] = ()
    method: str = "key"  # key | multiset | none (table in one side only)
    rows_base: int | None = None
    rows_candidate: int | None = None
    only_base: int = 0
    only_candidate: int = 0
    differing: int = 0
    duplicate_keys: tuple[int, int] = (0, 0)  # keys occurring more than once: base, candidate
    columns_only_base: list[tuple[str, str]] = field(default_factory=list)
    columns_only_candidate: list[tuple[str, str]] = field(default_factory=list)
    type_changes: list[tuple[str, str, str]] = field(default_factory=list)
    compared_columns: int = 0
    excluded: list[str] = field(default_factory=list)
    examples: dict[str, list[Example]] = field(default_factory=lambda: {k: [] for k in KINDS})
    note: str = ""

    @property
    def name(self) -> str:
        return self.table if self.schema == PUBLIC else f"{RESTRICTED}.{self.table}"

    @property
    def schema_differs(self) -> bool:
        return bool(self.columns_only_base or self.columns_only_candidate or self.type_changes)

    @property
    def differs(self) -> bool:
        return (not (self.in_base and self.in_candidate) or self.schema_differs
                or self.rows_base != self.rows_candidate
                or bool(self.only_base or self.only_candidate or self.differing))

    @property
    def status(self) -> str:
        if not self.in_candidate:
            return "only in base"
        if not self.in_base:
            return "only in candidate"
        return "differs" if self.differs else "equal"


@dataclass
class Comparison:
    base: str
    candidate: str
    where: str  # the lake, or "Athena (workgroup ...)"
    base_build: str = ""
    candidate_build: str = ""
    tables: list[TableResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def differs(self) -> bool:
        return any(t.differs for t in self.tables)

    @property
    def different(self) -> list[TableResult]:
        return [t for t in self.tables if t.differs]


# -- runners: how a table is named and read, per engine -------------------------------------------


class Runner(Protocol):
    engine: str

    def relation(self, side: str, schema: str, table: str) -> str:
        """SQL name of `table` of schema `schema` (`{ns}` or `{ns}_restricted`) of side
        "base" or "candidate"."""

    def columns(self, side: str, schema: str) -> dict[str, list[tuple[str, str]]]:
        """Every table of the schema -> its (column, type) in order ({} when none)."""

    def query(self, sql: str) -> list[tuple]:
        """The rows of one query."""

    def close(self) -> None: ...


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBRunner:
    """A local lake: the published databases of both namespaces ({lake}/{ns}/recover.duckdb,
    resolved through the `current` link once, so a build publishing meanwhile changes nothing
    here) attached READ_ONLY to an in-memory DuckDB connection."""

    engine = "duckdb"
    ALIASES: ClassVar[dict[str, str]] = {"base": "cmp_base", "candidate": "cmp_candidate"}

    def __init__(self, lake: Path | str, base: str, candidate: str) -> None:
        import duckdb

        from recover.build.publish import published_database, published_run

        lake = Path(lake)
        if not lake.is_dir():
            raise CompareError(f"lake {lake} does not exist")
        self.namespaces = {"base": base, "candidate": candidate}
        self.builds: dict[str, str] = {}
        paths: dict[str, Path] = {}
        for side, ns in self.namespaces.items():
            database = published_database(lake / ns)
            if database is None:
                raise CompareError(f"namespace {ns!r} has no published build in {lake} "
                                   f"(no {lake / ns / 'recover.duckdb'})")
            paths[side] = database.resolve()
            self.builds[side] = published_run(lake / ns) or ""
        self.con = duckdb.connect(":memory:")
        self.alias = dict(self.ALIASES)
        try:
            for side, path in paths.items():
                if side == "candidate" and path == paths["base"]:
                    self.alias["candidate"] = self.alias["base"]  # one file: attach it once
                    continue
                self.con.execute(f"ATTACH {literal(str(path))} AS {quote(self.alias[side])} "
                                 "(READ_ONLY)")
        except duckdb.Error as exc:
            self.con.close()
            raise CompareError(f"cannot open the published database: {_one_line(exc)}") from None

    def relation(self, side: str, schema: str, table: str) -> str:
        return f"{quote(self.alias[side])}.{quote(schema)}.{quote(table)}"

    def columns(self, side: str, schema: str) -> dict[str, list[tuple[str, str]]]:
        rows = self.query(
            "select table_name, column_name, data_type from duckdb_columns() "
            f"where database_name = {literal(self.alias[side])} and schema_name = "
            f"{literal(schema)} order by table_name, column_index")
        out: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in rows:
            out.setdefault(table, []).append((column, data_type))
        return out

    def query(self, sql: str) -> list[tuple]:
        import duckdb

        try:
            return self.con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise CompareError(f"DuckDB: {_one_line(exc)}") from None

    def close(self) -> None:
        self.con.close()


class AthenaRunner:
    """AWS: the namespaces' schemas (Glue databases `{ns}`, `{ns}_restricted`) of the data
    catalog, queried through Athena with boto3 in `workgroup` (its result location and
    encryption apply). Athena does the work; only its small result sets are read back."""

    engine = "athena"

    def __init__(self, base: str, candidate: str, workgroup: str,
                 catalog: str = "AwsDataCatalog", client: Any = None,
                 output_location: str | None = None, poll: float = 0.5,
                 timeout: float = 1800.0) -> None:
        if client is None:
            import boto3

            client = boto3.session.Session().client("athena")  # this environment's settings
        self.client = client
        self.namespaces = {"base": base, "candidate": candidate}
        self.workgroup = workgroup
        self.catalog = catalog
        self.output_location = output_location
        self.poll = poll
        self.timeout = timeout
        self.builds: dict[str, str] = {}

    def relation(self, side: str, schema: str, table: str) -> str:
        return f"{quote(schema)}.{quote(table)}"

    def columns(self, side: str, schema: str) -> dict[str, list[tuple[str, str]]]:
        rows = self.query(
            "select table_name, column_name, data_type from information_schema.columns "
            f"where table_schema = {literal(schema)} order by table_name, ordinal_position")
        out: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in rows:
            out.setdefault(table, []).append((column, data_type))
        return out

    def query(self, sql: str) -> list[tuple]:
        from botocore.exceptions import BotoCoreError, ClientError

        kwargs: dict[str, Any] = {"QueryString": sql, "WorkGroup": self.workgroup,
                                  "QueryExecutionContext": {"Catalog": self.catalog}}
        if self.output_location:
            kwargs["ResultConfiguration"] = {"OutputLocation": self.output_location}
        try:
            qid = self.client.start_query_execution(**kwargs)["QueryExecutionId"]
            deadline = time.monotonic() + self.timeout
            while True:
                status = self.client.get_query_execution(
                    QueryExecutionId=qid)["QueryExecution"]["Status"]
                if status["State"] == "SUCCEEDED":
                    break
                if status["State"] in ("FAILED", "CANCELLED"):
                    reason = status.get("StateChangeReason", status["State"])
                    raise CompareError(f"Athena query {qid} {status['State'].lower()}: "
                                       f"{_one_line(reason)}")
                if time.monotonic() > deadline:
                    self.client.stop_query_execution(QueryExecutionId=qid)
                    raise CompareError(f"Athena query {qid} did not finish within "
                                       f"{self.timeout:.0f} s")
                time.sleep(self.poll)
            rows: list[tuple] = []
            types: list[str] = []
            first = True
            for page in self.client.get_paginator("get_query_results").paginate(
                    QueryExecutionId=qid):
                if not types:
                    types = [c["Type"] for c in
                             page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
                data = page["ResultSet"]["Rows"]
                if first:
                    data, first = data[1:], False  # the header row
                rows += [tuple(_athena_value(d.get("VarCharValue"), t)
                               for d, t in zip(r["Data"], types, strict=False)) for r in data]
            return rows
        except (BotoCoreError, ClientError) as exc:
            raise CompareError(f"Athena: {_one_line(exc)}") from None

    def close(self) -> None:
        pass


def _athena_value(text: str | None, athena_type: str) -> Any:
    """Counts come back as numbers; everything else as Athena's text of the value."""
    if text is None:
        return None
    if athena_type in ("bigint", "integer", "smallint", "tinyint"):
        return int(text)
    return text


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())[:500]


# -- SQL -----------------------------------------------------------------------------------------


def union_sql(base: str, candidate: str, columns: Sequence[str]) -> str:
    """Both sides' rows in one relation, each marked with the side it comes from (the
    helper columns are named `_cmp_*`: no curated column starts with an underscore)."""
    cols = "".join(f", {quote(c)}" for c in columns)
    return (f"select 1 as _cmp_b, 0 as _cmp_c{cols} from {base}\n"
            f"  union all\n  select 0 as _cmp_b, 1 as _cmp_c{cols} from {candidate}")


def keyed_cte(base: str, candidate: str, keys: Sequence[str], values: Sequence[str]) -> str:
    """One row per key value over both sides (NULLs match, as IS NOT DISTINCT FROM): how many
    rows each side has (_cmp_nb, _cmp_nc), each value column of either side (_cmp_b{i},
    _cmp_c{i}), whether the two differ (_cmp_d{i}) and the kind of the key (_cmp_kind)."""
    key_list = ", ".join(quote(k) for k in keys)
    sides = "".join(
        f",\n    max(case when _cmp_b = 1 then {quote(v)} end) as _cmp_b{i}"
        f", max(case when _cmp_c = 1 then {quote(v)} end) as _cmp_c{i}"
        for i, v in enumerate(values))
    distinct = [f"_cmp_b{i} is distinct from _cmp_c{i}" for i in range(len(values))]
    flags = "".join(f",\n    case when {d} then 1 else 0 end as _cmp_d{i}"
                    for i, d in enumerate(distinct))
    differ = " or ".join(distinct) or "false"
    return (f"with u as (\n  {union_sql(base, candidate, [*keys, *values])}\n),\n"
            f"g as (\n  select {key_list}, sum(_cmp_b) as _cmp_nb, sum(_cmp_c) as _cmp_nc"
            f"{sides}\n  from u group by {key_list}\n),\n"
            f"k as (\n  select g.*{flags},\n"
            "    case when _cmp_nb > 1 or _cmp_nc > 1 then 'duplicate'\n"
            "         when _cmp_nc = 0 then 'only_base' when _cmp_nb = 0 then 'only_candidate'\n"
            f"         when {differ} then 'differing' else 'same' end as _cmp_kind\n"
            "  from g\n)")


def keyed_counts_sql(base: str, candidate: str, keys: Sequence[str],
                     values: Sequence[str]) -> str:
    """rows base, rows candidate, keys only in base, only in candidate, differing, and the
    number of duplicated key values of each side."""
    return (keyed_cte(base, candidate, keys, values) + "\n"
            "select coalesce(sum(_cmp_nb), 0), coalesce(sum(_cmp_nc), 0),\n"
            "  count(case when _cmp_kind = 'only_base' then 1 end),\n"
            "  count(case when _cmp_kind = 'only_candidate' then 1 end),\n"
            "  count(case when _cmp_kind = 'differing' then 1 end),\n"
            "  count(case when _cmp_nb > 1 then 1 end), count(case when _cmp_nc > 1 then 1 end)\n"
            "from k")


def keyed_examples_sql(base: str, candidate: str, keys: Sequence[str], values: Sequence[str],
                       limit: int, with_values: bool = True) -> str:
    """At most `limit` keys of each kind, in key order: the kind, the key, then per value
    column its differ flag (and, with_values, its base and candidate values)."""
    key_list = ", ".join(quote(k) for k in keys)
    per_value = "".join(f", _cmp_d{i}" + (f", _cmp_b{i}, _cmp_c{i}" if with_values else "")
                        for i in range(len(values)))
    return (keyed_cte(base, candidate, keys, values) + ",\n"
            "r as (\n  select k.*, row_number() over (partition by _cmp_kind "
            f"order by {key_list}) as _cmp_rn\n"
            "  from k where _cmp_kind in ('only_base', 'only_candidate', 'differing')\n)\n"
            f"select _cmp_kind, {key_list}{per_value}\nfrom r where _cmp_rn <= {int(limit)}\n"
            "order by _cmp_kind, _cmp_rn")


def multiset_cte(base: str, candidate: str, columns: Sequence[str]) -> str:
    """One row per distinct row over both sides, with its number of copies in each."""
    col_list = ", ".join(quote(c) for c in columns)
    return (f"with u as (\n  {union_sql(base, candidate, columns)}\n),\n"
            f"g as (\n  select {col_list}, sum(_cmp_b) as _cmp_nb, sum(_cmp_c) as _cmp_nc\n"
            f"  from u group by {col_list}\n)")


def multiset_counts_sql(base: str, candidate: str, columns: Sequence[str]) -> str:
    """Rows of each side, and the copies of a row one side holds more of than the other."""
    return (multiset_cte(base, candidate, columns) + "\n"
            "select coalesce(sum(_cmp_nb), 0), coalesce(sum(_cmp_nc), 0),\n"
            "  coalesce(sum(case when _cmp_nb > _cmp_nc then _cmp_nb - _cmp_nc else 0 end), 0),\n"
            "  coalesce(sum(case when _cmp_nc > _cmp_nb then _cmp_nc - _cmp_nb else 0 end), 0)\n"
            "from g")


def multiset_examples_sql(base: str, candidate: str, columns: Sequence[str],
                          shown: Sequence[str], limit: int) -> str:
    """At most `limit` rows of each side's surplus: the kind, how many more copies that side
    has, and the `shown` columns."""
    col_list = ", ".join(quote(c) for c in columns)
    shown_list = "".join(f", {quote(c)}" for c in shown)
    return (multiset_cte(base, candidate, columns) + ",\n"
            "r as (\n  select g.*,\n"
            "    case when _cmp_nb > _cmp_nc then 'only_base' else 'only_candidate' end"
            " as _cmp_kind,\n"
            "    case when _cmp_nb > _cmp_nc then _cmp_nb - _cmp_nc else _cmp_nc - _cmp_nb end"
            " as _cmp_n\n"
            "  from g where _cmp_nb <> _cmp_nc\n),\n"
            "s as (\n  select r.*, row_number() over (partition by _cmp_kind "
            f"order by {col_list}) as _cmp_rn from r\n)\n"
            f"select _cmp_kind, _cmp_n{shown_list}\nfrom s where _cmp_rn <= {int(limit)}\n"
            "order by _cmp_kind, _cmp_rn")


def counts_only_sql(base: str, candidate: str) -> str:
    return f"select (select count(*) from {base}), (select count(*) from {candidate})"


# -- the comparison ------------------------------------------------------------------------------


def select_tables(names: Sequence[str], curated: Sequence[str],
                  patterns: Sequence[str] | None) -> list[str]:
    """The tables to compare among `names` (both sides' tables): the curated ones by default,
    else those matching any pattern (a name or a glob); a pattern matching nothing is an
    error."""
    if not patterns:
        wanted = set(curated)
        return sorted(n for n in names if n in wanted)
    chosen: set[str] = set()
    for pattern in patterns:
        hits = [n for n in names if fnmatch.fnmatchcase(n.lower(), pattern.lower())]
        if not hits:
            raise CompareError(f"--select {pattern}: no such table in either namespace")
        chosen.update(hits)
    return sorted(chosen)


def _by_name(columns: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    return {name.lower(): (name, data_type) for name, data_type in columns}


def compare_table(runner: Runner, table: str, schema: str, base_ns: str, candidate_ns: str,
                  base_cols: list[tuple[str, str]] | None,
                  candidate_cols: list[tuple[str, str]] | None,
                  key: Sequence[str], examples: int = 5) -> TableResult:
    """Compare one table of both sides (columns None: the table is missing on that side)."""
    suffix = "_restricted" if schema == RESTRICTED else ""
    result = TableResult(table, schema, base_cols is not None, candidate_cols is not None)
    if base_cols is None or candidate_cols is None:
        result.method = "none"
        present = ("base", base_ns) if base_cols is not None else ("candidate", candidate_ns)
        rel = runner.relation(present[0], present[1] + suffix, table)
        (rows,) = runner.query(f"select count(*) from {rel}")[0]
        if base_cols is not None:
            result.rows_base = result.only_base = int(rows)
        else:
            result.rows_candidate = result.only_candidate = int(rows)
        return result
    b_rel = runner.relation("base", base_ns + suffix, table)
    c_rel = runner.relation("candidate", candidate_ns + suffix, table)
    b, c = _by_name(base_cols), _by_name(candidate_cols)
    result.columns_only_base = [b[n] for n in b if n not in c]
    result.columns_only_candidate = [c[n] for n in c if n not in b]
    result.type_changes = [(b[n][0], b[n][1], c[n][1]) for n in b
                           if n in c and b[n][1].lower() != c[n][1].lower()]
    common = [b[n][0] for n in b if n in c and b[n][1].lower() == c[n][1].lower()]
    result.excluded = [col for col in common if col.lower() in EXCLUDED_COLUMNS]
    common = [col for col in common if col.lower() not in EXCLUDED_COLUMNS]
    result.compared_columns = len(common)
    common_lower = {col.lower(): col for col in common}
    key_cols = [common_lower.get(k.lower()) for k in key]
    usable_key = bool(key) and all(key_cols)
    keys = [k for k in key_cols if k]
    result.key = tuple(keys) if usable_key else tuple(key)
    restricted = schema == RESTRICTED

    if not common:
        result.method = "multiset"
        result.note = "no column in common: only row counts compared"
        rows_b, rows_c = runner.query(counts_only_sql(b_rel, c_rel))[0]
        result.rows_base, result.rows_candidate = int(rows_b), int(rows_c)
        result.only_base, result.only_candidate = int(rows_b), int(rows_c)
        return result

    values = [col for col in common if col not in keys]
    if usable_key:
        counts = runner.query(keyed_counts_sql(b_rel, c_rel, keys, values))[0]
        nb, nc, ob, oc, diff, db, dc = (int(x) for x in counts)
        result.rows_base, result.rows_candidate = nb, nc
        if db or dc:
            usable_key = False
            result.duplicate_keys = (db, dc)
            result.note = (f"key ({', '.join(keys)}) not unique (duplicated key values: base "
                           f"{db}, candidate {dc}): compared as multisets of rows")
        else:
            result.only_base, result.only_candidate, result.differing = ob, oc, diff
            if (ob or oc or diff) and examples > 0:
                _keyed_examples(runner, result, b_rel, c_rel, keys, values, examples,
                                restricted)
            return result
    elif key:
        missing = [k for k, col in zip(key, key_cols, strict=True) if not col]
        result.note = (f"key column(s) {', '.join(missing)} missing on a side or of another "
                       "type: compared as multisets of rows")
    else:
        result.note = "no key in the registry: compared as multisets of rows"
    result.method = "multiset"
    nb, nc, ob, oc = (int(x) for x in runner.query(multiset_counts_sql(b_rel, c_rel, common))[0])
    result.rows_base, result.rows_candidate = nb, nc
    result.only_base, result.only_candidate = ob, oc
    if (ob or oc) and examples > 0:
        # restricted tables: show only key columns (values of personal data are never fetched)
        shown = keys if restricted else common
        if shown:
            rows = runner.query(multiset_examples_sql(b_rel, c_rel, common, shown, examples))
            for kind, n, *vals in rows:
                result.examples[kind].append(Example(dict(zip(shown, vals, strict=True)),
                                                     count=int(n)))
    return result


def _keyed_examples(runner: Runner, result: TableResult, b_rel: str, c_rel: str,
                    keys: list[str], values: list[str], limit: int, restricted: bool) -> None:
    rows = runner.query(keyed_examples_sql(b_rel, c_rel, keys, values, limit,
                                           with_values=not restricted))
    width = 1 if restricted else 3
    for row in rows:
        kind, key_vals, rest = row[0], row[1:1 + len(keys)], row[1 + len(keys):]
        example = Example(dict(zip(keys, key_vals, strict=True)))
        if kind == "differing":
            for i, col in enumerate(values):
                chunk = rest[i * width:(i + 1) * width]
                if int(chunk[0]):
                    example.changes.append((col, None, None) if restricted
                                           else (col, chunk[1], chunk[2]))
        result.examples[kind].append(example)


def compare(runner: Runner, base: str, candidate: str, *, curated: Sequence[str],
            keys: dict[str, tuple[str, ...]], select: Sequence[str] | None = None,
            restricted: bool = False, restricted_tables: Sequence[str] = (),
            examples: int = 5, where: str = "",
            progress: Callable[[TableResult, int, int], None] | None = None) -> Comparison:
    """Compare the tables of namespaces `base` and `candidate` (see the module docstring).

    `curated`: the default table list (the registry's curated tables); `keys`: table -> key
    columns (layout.table_keys); `restricted_tables`: the restricted schema's default list."""
    check_identifier("namespace", base)
    check_identifier("namespace", candidate)
    started = time.monotonic()
    out = Comparison(base, candidate, where, getattr(runner, "builds", {}).get("base", ""),
                     getattr(runner, "builds", {}).get("candidate", ""))
    schemas = [(PUBLIC, "", curated)]
    if restricted:
        schemas.append((RESTRICTED, "_restricted", restricted_tables))
    plan: list[tuple[str, str, list | None, list | None]] = []
    for schema, suffix, default in schemas:
        b_tables = runner.columns("base", base + suffix)
        c_tables = runner.columns("candidate", candidate + suffix)
        if schema == PUBLIC:
            for ns, tables in ((base, b_tables), (candidate, c_tables)):
                if not tables:
                    raise CompareError(f"namespace {ns!r} has no tables in schema {ns!r}")
        names = sorted(set(b_tables) | set(c_tables))
        if schema == RESTRICTED and select:
            # --select names the analysts' tables; the restricted tables of the same names follow
            chosen_public = {t for _s, t, _b, _c in plan}
            chosen = [n for n in names if n in chosen_public]
        else:
            chosen = select_tables(names, default, select)
        plan += [(schema, t, b_tables.get(t), c_tables.get(t)) for t in chosen]
    for i, (schema, table, b_cols, c_cols) in enumerate(plan, 1):
        result = compare_table(runner, table, schema, base, candidate, b_cols, c_cols,
                               keys.get(table, ()), examples)
        out.tables.append(result)
        if progress:
            progress(result, i, len(plan))
    out.seconds = time.monotonic() - started
    return out


def runner_for(lake: str | Path, base: str, candidate: str, workgroup: str | None = None,
               output_location: str | None = None) -> Runner:
    """DuckDB on a local lake; Athena for `s3://bucket` (in `workgroup`)."""
    if is_s3_uri(lake):
        if not workgroup:
            raise CompareError("an s3:// lake needs an Athena --workgroup")
        return AthenaRunner(base, candidate, workgroup, output_location=output_location)
    return DuckDBRunner(Path(lake), base, candidate)


# -- rendering -----------------------------------------------------------------------------------


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
