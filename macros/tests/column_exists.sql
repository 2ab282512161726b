{#- A column a data-quality expectation requires (registry `expected_columns`): one failing row
    when the table lacks it. -#}
{% test recover_column_exists(model, column_name) %}
{%- set found = [] -%}
{#- Introspection needs a live connection: only when the test actually runs (build/test), not
    when `dbt compile` renders it offline. -#}
{%- set introspect = execute and flags.WHICH in ('build', 'test', 'run') -%}
{%- if introspect -%}
    {%- for col in adapter.get_columns_in_relation(model) -%}
        {%- if col.name | lower == column_name | lower -%}{%- do found.append(col.name) -%}{%- endif -%}
    {%- endfor -%}
{%- endif %}
select '{{ column_name }}' as missing_column
where {{ 'false' if found or not introspect else 'true' }}
{% endtest %}
