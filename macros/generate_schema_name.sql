{#- One schema per namespace: curated tables in `{ns}`, helper layers in `{ns}_{layer}`.
    The namespace is the target's schema (RECOVER_NAMESPACE). On Athena the tables readers see
    are built in `{ns}_candidate` and published into `{ns}` by `recover build` once the whole
    build passed (recover/build/athena_publish.py; docs/reliability.md). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- do recover_check_namespace() -%}
    {%- if custom_schema_name is none and target.type == 'athena' -%}
        {{ target.schema | trim }}_candidate
    {%- elif custom_schema_name == 'restricted' and target.type == 'athena' -%}
        {{ target.schema | trim }}_restricted_candidate
    {%- elif custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ target.schema | trim }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
