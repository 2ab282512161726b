"""The comparison itself: which tables, which columns and key, one table at a time."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Sequence

from recover.build.compare.model import (
    EXCLUDED_COLUMNS,
    PUBLIC,
    RESTRICTED,
    CompareError,
    Comparison,
    Example,
    TableResult,
)
from recover.build.compare.runners import Runner
from recover.build.compare.sql import (
    counts_only_sql,
    keyed_counts_sql,
    keyed_examples_sql,
    multiset_counts_sql,
    multiset_examples_sql,
)
from recover.lake import check_identifier


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
