{#- on-run-start: the namespace becomes Glue database names and S3 prefixes, so only plain
    identifiers are accepted (the same rule as the CLI, recover/identifiers.py). -#}
{% macro recover_check_namespace() %}
    {%- if not modules.re.fullmatch('[a-z][a-z0-9_]*', target.schema) -%}
        {{ exceptions.raise_compiler_error("namespace '" ~ target.schema ~ "' (RECOVER_NAMESPACE) is not a plain identifier ([a-z][a-z0-9_]*)") }}
    {%- endif -%}
{% endmacro %}
