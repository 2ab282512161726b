{#- One schema per namespace: curated tables in `{ns}`, helper layers in `{ns}_{layer}`.
    The namespace is the target's schema (RECOVER_NAMESPACE). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- do recover_check_namespace() -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ target.schema | trim }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
