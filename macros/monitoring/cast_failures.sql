{#- Values that failed their curated cast (NULL in the curated tables) and malformed JSON
    strings, per data type and column: the raw zone keeps them; this table makes them visible.
    Counted on the rows that feed the curated tables: the de-duplicated rows (a NULL there is
    what an analyst meets) and the elements of their child tables (`{table}.{column}`: array
    fields and Garmin offset-map keys and values), and on the `_Deleted` tables' rows. Reading
    the intermediate tables, not the staging views, keeps the raw zone to one JSON parse for the
    data. -#}
{% macro recover_cast_failures() %}
{{ recover_published_config() }}
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
    {%- if not t.deleted_of -%}
        {%- for a in t.children -%}
            {%- set part = recover_child_cast_failures(t, rel, a) -%}
            {%- if part | trim -%}{%- do parts.append(part) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
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


{#- The failed casts of one child table's elements, as (data_type, _cast_failures, _source_file)
    rows; empty when every element column is text (nothing can fail). -#}
{% macro recover_child_cast_failures(t, upstream, a) -%}
{%- set checks = [] -%}
{%- for name, typed, text in recover_child_values(a) -%}
    {%- if typed | trim != text | trim -%}
        {%- do checks.append("case when " ~ text ~ " is not null and " ~ typed ~ " is null then '"
                             ~ a.table ~ "." ~ name ~ "' end") -%}
    {%- endif -%}
{%- endfor -%}
{%- if checks -%}
{%- set rows = recover_child_from(t, upstream, a) -%}
select '{{ t.name }}' as data_type, _cast_failures, _source_file from (
    with {{ rows.ctes }}
    select {{ rows.source }}._source_file,
           nullif(concat_ws(',', {{ checks | join(', ') }}), '') as _cast_failures
    {{ rows['from'] }}
) as {{ adapter.quote('failures_' ~ a.table) }}
where _cast_failures is not null
{%- endif -%}
{%- endmacro %}


{#- FROM fragment: one row per element of a comma-separated string, as column `alias`. -#}
{% macro recover_unnest_split(expr, alias) %}{{ return(adapter.dispatch('recover_unnest_split', 'recover')(expr, alias)) }}{% endmacro %}

{% macro duckdb__recover_unnest_split(expr, alias) -%}
    cross join unnest(string_split({{ expr }}, ',')) as split_values({{ alias }})
{%- endmacro %}

{% macro default__recover_unnest_split(expr, alias) -%}
    cross join unnest(split({{ expr }}, ',')) as split_values({{ alias }})
{%- endmacro %}
