{#-
  The registry and its curated layout reach dbt as data, computed once in Python
  (recover.registry.layout) and generated into macros/generated/registry_data.sql:

    recover_registry()         {types, primary, groups, identifier_pattern}
    recover_layout(name)       one data type: models {staging, deduplicated, parent}, index,
                               raw_columns, columns, json_strings, paths, children, child_keys, ...
  Format of both: recover/registry/dbt_data.py. No layout rule is recomputed in Jinja.
-#}

{#- The child table at `path` of a data type's layout. -#}
{% macro recover_child_layout(layout, path) %}
    {%- for c in layout.children -%}
        {%- if c.path | lower == path | lower -%}{{ return(c) }}{%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("data type '" ~ layout.name ~ "' has no child table '" ~ path ~ "'") }}
{% endmacro %}


{#- The index fields of a data type, quoted and comma-separated (`prefix` qualifies them). -#}
{% macro recover_key_list(layout, prefix='') -%}
    {%- for k in layout['index'] -%}{{ prefix }}{{ adapter.quote(k) }}{{ ', ' if not loop.last }}{%- endfor -%}
{%- endmacro %}


{#- on-run-start: the namespace becomes Glue database names and S3 prefixes, so only plain
    identifiers are accepted: the same pattern as the CLI (recover.lake.IDENTIFIER_PATTERN). -#}
{% macro recover_check_namespace() %}
    {%- set pattern = recover_registry()['identifier_pattern'] -%}
    {%- if not modules.re.fullmatch(pattern, target.schema) -%}
        {{ exceptions.raise_compiler_error("namespace '" ~ target.schema ~ "' (RECOVER_NAMESPACE) is not a plain identifier (" ~ pattern ~ ")") }}
    {%- endif -%}
{% endmacro %}


{#- `select <columns> from <prefix><group> [where ...]` for every device group, unioned: the
    monitoring models are built per group (one query over every raw table would exceed
    Trino/Athena's stage limit of 150) and read back as one. -#}
{% macro recover_union_groups(prefix, columns='*', where='') -%}
    {%- for group in recover_registry()['groups'] %}
    select {{ columns }} from {{ ref(prefix ~ group) }}{{ ' where ' ~ where if where }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
