{#- Values that failed their curated cast (NULL in the curated tables) and malformed JSON
    strings, per data type and column: the raw zone keeps them; this table makes them visible.
    Counted on the rows that feed the curated tables: the de-duplicated rows (a NULL there is
    what an analyst meets) and the elements of their child tables (`{table}.{column}`: array
    fields and Garmin offset-map keys and values), and the deleted keys of the `_Deleted` types.
    Every intermediate row carries its own failures (`_cast_failures`, and
    `_child_cast_failures` computed with the row, macros/deduplicate.sql), so this reads no JSON. -#}
{% macro recover_cast_failures() %}
{{ recover_published_config() }}
{%- set parts = [] -%}
{%- for name in recover_registry()['types'] -%}
    {%- set t = recover_layout(name) -%}
    {%- set rel = ref(t.models.deduplicated) -%}
    {%- do parts.append("select '" ~ name ~ "' as data_type, _cast_failures, _source_file from "
                        ~ rel ~ " where _cast_failures is not null") -%}
    {%- if t.children -%}
        {%- do parts.append("select '" ~ name ~ "' as data_type, _child_cast_failures, _source_file from "
                            ~ rel ~ " where _child_cast_failures is not null and not _is_deleted") -%}
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


{#- The failed casts of one child table's elements, per row of `upstream` that is not deleted:
    (index fields, _cast_failures) rows; empty when every element column is text. -#}
{% macro recover_child_cast_failures(t, upstream, a) -%}
{%- set checks = [] -%}
{%- for name, typed, text in recover_child_values(a) + recover_child_values(a, true) -%}
    {%- if typed | trim != text | trim -%}
        {%- do checks.append("case when " ~ text ~ " is not null and " ~ typed ~ " is null then '"
                             ~ a.table ~ "." ~ name ~ "' end") -%}
    {%- endif -%}
{%- endfor -%}
{%- if checks -%}
{%- set rows = recover_child_from(t, upstream, a) -%}
select {{ recover_key_list(t) }}, _cast_failures from (
    with {{ rows.ctes }}
    select {{ recover_key_list(t, rows.source ~ '.') }},
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
