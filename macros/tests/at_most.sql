{#- Rows whose `column_name` (a number of days) exceeds `days` (default: the dbt var
    `recover_freshness_days`, 8). -#}
{% test recover_at_most(model, column_name, days=none) %}
{%- set limit = days if days is not none else var('recover_freshness_days', 8) %}
select * from {{ model }} where {{ adapter.quote(column_name) }} > {{ limit }}
{% endtest %}
