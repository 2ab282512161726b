{#-
  record_counts (docs/data-contract.md, "Record counts"): per data type and export_end_date, the row counts at
    READ                  raw rows (staging)
    DROP_DUPLICATES       after de-duplication
    DROP_DELETED_SAMPLES  after HealthKit deletions (HealthKit types only)
    WRITE                 rows of the curated parent table
  plus, for HealthKit, READ and DROP_DUPLICATES of the `_Deleted` table under `{type}_deleted`.
  Each run appends its counts with the run's id (dbt invocation_id) and start time.
-#}
{% macro recover_record_counts() %}
{{ config(materialized='incremental', incremental_strategy='append') }}
{#- One small table per group of data types (record_counts__{group}), unioned here: a single
    query over every raw table would exceed Trino/Athena's stage limit (150). -#}
{%- set groups = recover_registry()['groups'] -%}
with counts as (
{% for group in groups %}
    select * from {{ ref('record_counts__' ~ group) }}
    {{ 'union all' if not loop.last }}
{%- endfor %}
)

select
    data_type,
    event,
    export_end_date,
    row_count,
    '{{ invocation_id }}' as run_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as run_started_at
from counts
{% endmacro %}


{#- The counts of one device group's data types (a table rebuilt on every run). -#}
{% macro recover_record_counts_group(group) %}
{%- set parts = [] -%}
{%- for name in recover_registry()['groups'][group] -%}
    {%- set t = recover_layout(name) -%}
    {%- set staged = ref(t.models.staging) -%}
    {%- set current = ref(t.models.deduplicated) -%}
    {%- set has_deleted = t.deletions is not none -%}
    {%- do parts.append(recover_count_query(name, 'READ', staged)) -%}
    {#- DROP_DUPLICATES, [DROP_DELETED_SAMPLES,] WRITE: one scan of the de-duplicated rows
        (the curated parent is exactly its rows that are not deleted). -#}
    {%- set events = ['DROP_DUPLICATES', 'DROP_DELETED_SAMPLES', 'WRITE'] if has_deleted else ['DROP_DUPLICATES', 'WRITE'] -%}
    {%- do parts.append(
        "select '" ~ name ~ "' as data_type, e.event, d.export_end_date, "
        ~ "sum(case when e.event = 'DROP_DUPLICATES' or not d._is_deleted then 1 else 0 end) as row_count "
        ~ "from " ~ current ~ " as d cross join (select event from (values "
        ~ recover_values(events)
        ~ ") as v(event)) as e group by e.event, d.export_end_date") -%}
    {%- if has_deleted -%}
        {%- set deleted = ref(t.deletions.staging) -%}
        {%- do parts.append(recover_count_query(name ~ '_deleted', 'READ', deleted)) -%}
        {%- do parts.append(recover_count_query(name ~ '_deleted', 'DROP_DUPLICATES',
                '(select * from (select *, row_number() over (partition by ' ~ recover_key_list(t)
                ~ ' order by export_end_date desc) as _rank from ' ~ deleted ~ ') as d where _rank = 1)')) -%}
    {%- endif -%}
{%- endfor %}
{% for p in parts %}
{{ p }}
{{ 'union all' if not loop.last }}
{%- endfor %}
{% endmacro %}


{% macro recover_values(items) -%}
    {%- for i in items -%}('{{ i }}'){{ ', ' if not loop.last }}{%- endfor -%}
{%- endmacro %}


{% macro recover_count_query(label, event, relation) -%}
    select '{{ label }}' as data_type, '{{ event }}' as event, export_end_date, count(*) as row_count
    from {{ relation }} group by export_end_date
{%- endmacro %}


{#- Values that failed their curated cast (or malformed JSON strings), per data type and column:
    the raw zone keeps them; this table makes them visible. Counted on the rows that feed the
    curated tables (the de-duplicated rows: a NULL there is what an analyst meets), and on the
    `_Deleted` tables' rows; reading the intermediate tables, not the staging views, keeps the
    raw zone to one JSON parse per build. -#}
{% macro recover_cast_failures() %}
{%- set parts = [] -%}
{%- for name in recover_registry()['types'] -%}
    {%- set t = recover_layout(name) -%}
    {%- if t.deleted_of -%}
        {%- set rel = ref(t.models.staging) -%}
    {%- else -%}
        {%- set rel = ref(t.models.deduplicated) -%}
    {%- endif -%}
    {%- do parts.append("select '" ~ name ~ "' as data_type, _cast_failures, _source_file from "
                        ~ rel ~ " where _cast_failures is not null") -%}
{%- endfor %}
with failures as (
{% for p in parts %}
    {{ p }}
    {{ 'union all' if not loop.last }}
{%- endfor %}
),

per_column as (

    select data_type, failed_column, _source_file
    from failures
    {{ recover_unnest_split('_cast_failures', 'failed_column') }}

)

select data_type, failed_column as column_name, count(*) as failed_values, min(_source_file) as example_file
from per_column
group by data_type, failed_column
{% endmacro %}


{#- FROM fragment: one row per element of a comma-separated string, as column `alias`. -#}
{% macro recover_unnest_split(expr, alias) %}{{ return(adapter.dispatch('recover_unnest_split', 'recover')(expr, alias)) }}{% endmacro %}

{% macro duckdb__recover_unnest_split(expr, alias) -%}
    cross join unnest(string_split({{ expr }}, ',')) as split_values({{ alias }})
{%- endmacro %}

{% macro default__recover_unnest_split(expr, alias) -%}
    cross join unnest(split({{ expr }}, ',')) as split_values({{ alias }})
{%- endmacro %}
