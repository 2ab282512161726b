{#-
  Incremental builds (docs/build.md, "Incremental and full builds").

  `recover build` decides, from the published build's state, whether a build is full or
  incremental; for an incremental one it sets RECOVER_SCOPE to a JSON list of the committed
  exports ("cohort/export") the published tables do not hold yet. Without it (a full refresh,
  and plain `dbt build`) every model reads everything. It is read only while executing, never
  while parsing, so that dbt's partial parsing carries over from build to build.

  With a scope, the raw tables read only those exports, and every table that holds history gets
  the rows this scope touches, recomputed. Locally, where a build starts from a copy of the
  published database, they replace the touched keys' rows in place (recover_in_place(),
  macros/materializations/recover_table.sql). On Athena, whose Hive tables cannot delete rows,
  each table is rebuilt as
      its published rows that this scope does not touch
      union all  the rows this scope touches, recomputed
  (the "previous" relation is the published table, `{schema}` without `_candidate`). The keys a
  scope touches are the keys of its records (and, for HealthKit, of its deletions); their rows
  are re-ranked against the published winner, so the result equals a full refresh, and applying
  an export twice changes nothing (a build that died mid-publish is repaired by the next one).
  Rows a build recomputed carry its run id in `_run_id` (intermediate tables), which is how the
  curated tables know which keys to replace.
-#}

{% macro recover_scope() %}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set scope = fromjson(env_var('RECOVER_SCOPE', 'null')) -%}
    {%- if scope is not none and (scope is string or scope is mapping) -%}
        {{ exceptions.raise_compiler_error("RECOVER_SCOPE must be a JSON list of cohort/export") }}
    {%- endif -%}
    {{- return(scope) -}}
{% endmacro %}


{% macro recover_is_incremental() %}
    {{- return(recover_scope() is not none) -}}
{% endmacro %}


{#- Whether an incremental build changes the tables in place (DuckDB: the `recover_table`
    materialization deletes the touched keys' rows and inserts the recomputed ones) rather than
    rebuilding each from its published rows (Athena's Hive tables, Trino). -#}
{% macro recover_in_place() %}
    {{- return(target.type == 'duckdb' and recover_is_incremental()) -}}
{% endmacro %}


{#- The config of a table that holds history (de-duplicated, curated, restricted): on DuckDB,
    the `recover_table` materialization, told the data type and how to find the touched keys
    ('rows' or 'upstream', macros/materializations/recover_table.sql). -#}
{% macro recover_history_config(name, touched) %}
    {%- if target.type == 'duckdb' -%}
        {{ config(materialized='recover_table', recover_layout=name, recover_touched=touched) }}
    {%- endif -%}
{% endmacro %}


{#- The run id written into `_run_id` and record_counts: recover build's, else dbt's. -#}
{% macro recover_run_id() %}
    {{- return(env_var('RECOVER_RUN_ID', invocation_id)) -}}
{% endmacro %}


{#- The scope as {cohort: [export, ...]} (empty when the build is full). -#}
{% macro recover_scope_exports() %}
    {%- set out = {} -%}
    {%- for item in recover_scope() or [] -%}
        {%- set parts = item.split('/') -%}
        {%- if parts | length != 2 -%}
            {{ exceptions.raise_compiler_error("RECOVER_SCOPE: '" ~ item ~ "' is not cohort/export") }}
        {%- endif -%}
        {%- do out.setdefault(parts[0], []).append(parts[1]) -%}
    {%- endfor -%}
    {{- return(out) -}}
{% endmacro %}


{#- A predicate on a raw table's partition columns: the exports of this build (all of them on a
    full build). Written per cohort so that Athena and Trino prune the raw partitions. -#}
{% macro recover_scope_filter(cohort='cohort', export='export') -%}
    {%- if not recover_is_incremental() -%}
        true
    {%- else -%}
        {%- set scope = recover_scope_exports() -%}
        {%- if not scope -%}
            false
        {%- else -%}
            ({%- for c, exports in scope | dictsort -%}
                ({{ cohort }} = {{ recover_sql_literal(c) }} and {{ export }} in (
                    {%- for e in exports | sort %}{{ recover_sql_literal(e) }}{{ ', ' if not loop.last }}{% endfor %}))
                {{- ' or ' if not loop.last -}}
            {%- endfor -%})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- The published relation of the model being built (incremental builds only). -#}
{% macro recover_previous() %}
    {%- if not execute -%}{{ return(this) }}{%- endif -%}
    {%- set schema = this.schema -%}
    {%- if target.type == 'athena' and schema.endswith('_candidate') -%}
        {%- set schema = schema[:-('_candidate' | length)] -%}
    {%- endif -%}
    {%- set relation = adapter.get_relation(database=this.database, schema=schema,
                                            identifier=this.identifier) -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error(
            "incremental build: " ~ schema ~ "." ~ this.identifier ~ " has no published table "
            ~ "to build on; run `recover build --full-refresh`") }}
    {%- endif -%}
    {{- return(relation) -}}
{% endmacro %}


{#- A subquery of the keys a build recomputed in the de-duplicated relation `upstream` (its rows
    carrying this run's `_run_id`): the keys a curated or restricted table replaces. -#}
{% macro recover_recomputed_keys(t, upstream) -%}
    (select {{ recover_key_list(t) }} from {{ upstream }} where _run_id = '{{ recover_run_id() }}')
{%- endmacro %}


{#- `alias.k1 = other.k1 and ...` over a list of key columns. -#}
{% macro recover_keys_match(keys, left, right) -%}
    {%- for k in keys -%}
        {{ left }}.{{ adapter.quote(k) }} = {{ right }}.{{ adapter.quote(k) }}{{ ' and ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#- The published rows of the model being built whose key is not among `touched` (a relation
    or subquery with the key columns): what an incremental build keeps as it was. Key parts are
    compared with `=`: a published table never holds a NULL key (error-severity tests). -#}
{% macro recover_untouched_rows(keys, touched) -%}
    select previous.* from {{ recover_previous() }} as previous
    where not exists (
        select 1 from {{ touched }} as touched
        where {{ recover_keys_match(keys, 'touched', 'previous') }}
    )
{%- endmacro %}
