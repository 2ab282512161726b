{#- One schema per namespace: curated tables in `{ns}`, helper layers in `{ns}_{layer}`.
    The namespace is the target's schema (RECOVER_NAMESPACE). On Athena the tables readers see
    are built in `{ns}_candidate` (and `{ns}_restricted_candidate`) and published into `{ns}`
    (`{ns}_restricted`) by `recover build` once the whole build passed; the intermediate tables
    the next incremental build starts from go the same way (`{ns}_intermediate_candidate` ->
    `{ns}_intermediate`). See recover/build/athena_publish.py and docs/reliability.md.
    Commands that build nothing (`dbt test`, `dbt compile`, `dbt show`, `dbt docs generate`, ...)
    read the published schemas: after `recover build` the candidates are gone. dbt's partial
    parsing does not see the command change: give such a command its own --target-path. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- do recover_check_namespace() -%}
    {%- set candidate = target.type == 'athena'
                        and flags.WHICH in ('build', 'run', 'seed', 'snapshot', 'retry', 'clone') -%}
    {%- if custom_schema_name is none and candidate -%}
        {{ target.schema | trim }}_candidate
    {%- elif custom_schema_name in ('restricted', 'intermediate') and candidate -%}
        {{ target.schema | trim }}_{{ custom_schema_name }}_candidate
    {%- elif custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ target.schema | trim }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
