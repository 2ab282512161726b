{#- Spec 6.2 `expect_column_to_exist`: one failing row when the column is missing. -#}
{% test recover_column_exists(model, column_name) %}
{%- set found = [] -%}
{%- if execute -%}
    {%- for col in adapter.get_columns_in_relation(model) -%}
        {%- if col.name | lower == column_name | lower -%}{%- do found.append(col.name) -%}{%- endif -%}
    {%- endfor -%}
{%- endif %}
select '{{ column_name }}' as missing_column
where {{ 'false' if found or not execute else 'true' }}
{% endtest %}
