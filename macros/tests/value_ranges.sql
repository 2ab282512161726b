{#- Values outside the ranges that seeds/value_expectations.csv gives for this table: one failing
    row per value (cast to double) below min_value or above max_value, inclusive bounds; NULLs
    and values that are not numbers are ignored. The ranges are read from the seed when the
    test runs, so changing a range is a data change, not a code change. -#}
{% test recover_value_ranges(model) %}
{%- set expectations = ref('value_expectations') -%}
{%- set ranges = [] -%}
{#- Reading the seed needs a live connection: only when the test runs, not in `dbt compile`. -#}
{%- if execute and flags.WHICH in ('build', 'test', 'run') -%}
    {%- set found = run_query(
        "select column_name, min_value, max_value from " ~ expectations
        ~ " where table_name = '" ~ model.identifier ~ "' order by column_name") -%}
    {%- for row in found.rows -%}{%- do ranges.append(row) -%}{%- endfor -%}
{%- endif -%}
{%- if ranges | length == 0 %}
select cast(null as varchar) as column_name, cast(null as double) as failing_value
from {{ expectations }}
where 1 = 0
{%- else %}
{%- for column_name, low, high in ranges %}
select '{{ column_name }}' as column_name, try_cast({{ adapter.quote(column_name) }} as double) as failing_value
from {{ model }}
where try_cast({{ adapter.quote(column_name) }} as double) < {{ low }}
   or try_cast({{ adapter.quote(column_name) }} as double) > {{ high }}
{{ 'union all' if not loop.last }}
{%- endfor %}
{%- endif %}
{% endtest %}
