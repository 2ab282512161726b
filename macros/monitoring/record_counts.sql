{#-
  record_counts (docs/data-contract.md, "Record counts"): per data type and export_end_date, the
  row counts at
    READ                  records read from the raw zone (lines that are JSON objects)
    REJECTED              lines quarantined in rejected_records (only when there are some)
    DROP_DUPLICATES       after de-duplication
    DROP_DELETED_SAMPLES  after HealthKit deletions (HealthKit types only)
    WRITE                 rows of the curated parent table
  plus, for HealthKit, READ and DROP_DUPLICATES of the `_Deleted` table under `{type}_deleted`.
  Each run adds its counts, with the run's id (recover build's run id, else dbt's invocation id)
  and start time, to the history of the published table: a table, not an incremental model, so
  that a build that is never published never adds to what readers see (docs/reliability.md).
-#}
{% macro recover_record_counts() %}
{{ recover_published_config() }}
{#- One small table per group of data types (record_counts__{group}), unioned here. -#}
{%- set run_id = recover_run_id() -%}
{#- The published history: the namespace's own record_counts (on Athena the build writes a
    candidate schema; readers' tables are in the namespace's schema). -#}
{%- set introspect = execute and flags.WHICH in ('build', 'run') -%}
{%- set history = adapter.get_relation(database=this.database, schema=target.schema,
                                       identifier=this.identifier) if introspect else none -%}
with counts as (
{{ recover_union_groups('record_counts__') }}
)

select
    data_type,
    event,
    export_end_date,
    cast(row_count as bigint) as row_count,
    '{{ run_id }}' as run_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as run_started_at
from counts
{%- if history is not none %}
union all
select data_type, event, export_end_date, cast(row_count as bigint), run_id, run_started_at
from {{ history }}
where run_id <> '{{ run_id }}'
{%- endif %}
{% endmacro %}


{#- The counts of one device group's data types (a table rebuilt on every run). -#}
{% macro recover_record_counts_group(group) %}
{{ recover_helper_config() }}
{%- set profile = ref('raw_profile__' ~ group) -%}
{%- set parts = [] -%}
{%- for name in recover_registry()['groups'][group] -%}
    {%- set t = recover_layout(name) -%}
    {%- set current = ref(t.models.deduplicated) -%}
    {%- set has_deleted = t.deletions is not none -%}
    {%- do parts.append(recover_read_counts(name, name, profile)) -%}
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
        {%- set deleted = ref(t.deletions.deduplicated) -%}
        {%- do parts.append(recover_read_counts(t.deletions.name, name ~ '_deleted', profile)) -%}
        {%- do parts.append(recover_count_query(name ~ '_deleted', 'DROP_DUPLICATES', deleted)) -%}
    {%- endif -%}
{%- endfor %}
{% for p in parts %}
{{ p }}
{{ 'union all' if not loop.last }}
{%- endfor %}
{% endmacro %}


{#- READ and REJECTED of one data type, from its group's raw profile. -#}
{% macro recover_read_counts(name, label, profile) -%}
    select '{{ label }}' as data_type, e.event, p.export_end_date,
           sum(case when e.event = 'READ' then p.records else p.rejected end) as row_count
    from {{ profile }} as p cross join (select event from (values ('READ'), ('REJECTED')) as v(event)) as e
    where p.data_type = '{{ name }}' and p.fact = 'file'
    group by e.event, p.export_end_date
    having e.event = 'READ' or sum(p.rejected) > 0
{%- endmacro %}


{% macro recover_values(items) -%}
    {%- for i in items -%}('{{ i }}'){{ ', ' if not loop.last }}{%- endfor -%}
{%- endmacro %}


{% macro recover_count_query(label, event, relation) -%}
    select '{{ label }}' as data_type, '{{ event }}' as event, export_end_date, count(*) as row_count
    from {{ relation }} group by export_end_date
{%- endmacro %}
