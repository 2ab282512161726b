"""The comparison's SQL, one text for DuckDB and Athena (Trino): plain UNION ALL, GROUP BY,
CASE, IS DISTINCT FROM and row_number(), over two relations named by a runner."""

from __future__ import annotations

from collections.abc import Sequence


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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
