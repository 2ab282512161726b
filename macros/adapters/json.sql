{#- JSON access, dispatched per engine. Raw tables hold lines of JSON text (schema-on-read);
    staging reads paths from them, the child tables from the JSON text of arrays. -#}

{#- The text at a JSON path below `expr` (keys: list of object keys, [] for the value itself):
    strings unquoted, objects/arrays as JSON text, JSON null as SQL NULL. -#}
{% macro recover_json_text(expr, keys) %}{{ return(adapter.dispatch('recover_json_text', 'recover')(expr, keys)) }}{% endmacro %}

{% macro duckdb__recover_json_text(expr, keys) -%}
    json_extract_string({{ expr }}, {{ recover_json_path_literal(keys) }})
{%- endmacro %}

{% macro default__recover_json_text(expr, keys) -%}
    coalesce(
        json_extract_scalar({{ expr }}, {{ recover_json_path_literal(keys) }}),
        nullif(json_format(json_extract({{ expr }}, {{ recover_json_path_literal(keys) }})), 'null')
    )
{%- endmacro %}


{#- A JSON path as an SQL string literal. Steps are object keys, or integers for array elements;
    quotes in keys are escaped for the path and for SQL. -#}
{% macro recover_json_path_literal(keys) %}{{ return(adapter.dispatch('recover_json_path_literal', 'recover')(keys)) }}{% endmacro %}

{% macro duckdb__recover_json_path_literal(keys) -%}
    '${% for k in keys %}{% if k is number %}[{{ k }}]{% else %}."{{ k | replace('"', '\\"') | replace("'", "''") }}"{% endif %}{% endfor %}'
{%- endmacro %}

{% macro default__recover_json_path_literal(keys) -%}
    '${% for k in keys %}{% if k is number %}[{{ k }}]{% else %}["{{ k | replace('"', '\\"') | replace("'", "''") }}"]{% endif %}{% endfor %}'
{%- endmacro %}


{#- `expr` if it is valid JSON text, else NULL (so JSON functions never fail on bad input). -#}
{% macro recover_json_guard(expr) %}{{ return(adapter.dispatch('recover_json_guard', 'recover')(expr)) }}{% endmacro %}

{% macro duckdb__recover_json_guard(expr) -%}
    case when json_valid({{ expr }}) then {{ expr }} end
{%- endmacro %}

{% macro default__recover_json_guard(expr) -%}
    case when try(json_parse({{ expr }})) is not null then {{ expr }} end
{%- endmacro %}


{#- Is the line `expr` a JSON object (not blank, valid JSON, an object)? Never fails on bad input. -#}
{% macro recover_is_object(expr) %}{{ return(adapter.dispatch('recover_is_object', 'recover')(expr)) }}{% endmacro %}

{% macro duckdb__recover_is_object(expr) -%}
    case when json_valid({{ expr }}) then {{ recover_json_text_is_object(expr) }} else false end
{%- endmacro %}

{#- DuckDB: whether valid JSON text is an object, without parsing it again (json_type would):
    its first character after JSON's whitespace is `{`. -#}
{% macro recover_json_text_is_object(expr) -%}
    left(ltrim({{ expr }}, ' ' || chr(9) || chr(10) || chr(13)), 1) = '{'
{%- endmacro %}

{% macro default__recover_is_object(expr) -%}
    coalesce(json_format(try(json_parse({{ expr }}))) like '{{ "{%" }}', false)
{%- endmacro %}


{#- A FROM-clause fragment: one row per element of the JSON array text `expr`,
    with `{alias}.elem` (JSON) and `{alias}.ord` (1-based). Invalid/non-array -> no rows. -#}
{% macro recover_unnest_array(expr, alias) %}{{ return(adapter.dispatch('recover_unnest_array', 'recover')(expr, alias)) }}{% endmacro %}

{% macro duckdb__recover_unnest_array(expr, alias) -%}
    cross join unnest(cast(case when json_valid({{ expr }}) and json_type({{ expr }}) = 'ARRAY' then {{ expr }} end as json[])) with ordinality as {{ alias }}(elem, ord)
{%- endmacro %}

{% macro default__recover_unnest_array(expr, alias) -%}
    cross join unnest(try(cast(json_parse({{ expr }}) as array(json)))) with ordinality as {{ alias }}(elem, ord)
{%- endmacro %}


{#- A FROM-clause fragment: one row per entry of the JSON object text `expr`;
    recover_object_key(alias) / recover_object_value(alias) give the key (varchar) and value (JSON). -#}
{% macro recover_unnest_object(expr, alias) %}{{ return(adapter.dispatch('recover_unnest_object', 'recover')(expr, alias)) }}{% endmacro %}

{% macro duckdb__recover_unnest_object(expr, alias) -%}
    cross join unnest(map_entries(cast(cast(
        case when json_valid({{ expr }}) and json_type({{ expr }}) = 'OBJECT' then {{ expr }} end
    as json) as map(varchar, json)))) as {{ alias }}(e)
{%- endmacro %}

{% macro default__recover_unnest_object(expr, alias) -%}
    cross join unnest(try(cast(json_parse({{ expr }}) as map(varchar, json)))) as {{ alias }}(k, v)
{%- endmacro %}

{% macro recover_object_key(alias) %}{{ return(adapter.dispatch('recover_object_key', 'recover')(alias)) }}{% endmacro %}
{% macro duckdb__recover_object_key(alias) %}{{ alias }}.e.key{% endmacro %}
{% macro default__recover_object_key(alias) %}{{ alias }}.k{% endmacro %}

{% macro recover_object_value(alias) %}{{ return(adapter.dispatch('recover_object_value', 'recover')(alias)) }}{% endmacro %}
{% macro duckdb__recover_object_value(alias) %}{{ alias }}.e.value{% endmacro %}
{% macro default__recover_object_value(alias) %}{{ alias }}.v{% endmacro %}


{#- Is `expr` (a non-empty string) valid JSON? -#}
{% macro recover_is_json(expr) %}{{ return(adapter.dispatch('recover_is_json', 'recover')(expr)) }}{% endmacro %}

{% macro duckdb__recover_is_json(expr) -%}
    coalesce(json_valid({{ expr }}), false)
{%- endmacro %}

{% macro default__recover_is_json(expr) -%}
    (try(json_parse({{ expr }})) is not null)
{%- endmacro %}


{#- Many JSON paths below one column in a single parse (DuckDB's list-of-paths extraction);
    engines without it extract path by path (recover_json_batch_supported() is false). -#}
{% macro recover_json_batch_supported() %}{{ return(adapter.dispatch('recover_json_batch_supported', 'recover')()) }}{% endmacro %}
{% macro duckdb__recover_json_batch_supported() %}{{ return(true) }}{% endmacro %}
{% macro default__recover_json_batch_supported() %}{{ return(false) }}{% endmacro %}

{% macro recover_json_batch(expr, key_lists) %}{{ return(adapter.dispatch('recover_json_batch', 'recover')(expr, key_lists)) }}{% endmacro %}

{% macro duckdb__recover_json_batch(expr, key_lists) -%}
    json_extract_string({{ expr }}, [
        {%- for keys in key_lists -%}
        {{ recover_json_path_literal(keys) }}{{ ', ' if not loop.last }}
        {%- endfor -%}
    ])
{%- endmacro %}

{% macro recover_json_batch_item(batch, position) %}{{ return(adapter.dispatch('recover_json_batch_item', 'recover')(batch, position)) }}{% endmacro %}

{% macro duckdb__recover_json_batch_item(batch, position) -%}
    {{ batch }}[{{ position + 1 }}]
{%- endmacro %}

{#- Never called where batching is unsupported; defined so every dispatch resolves. -#}
{% macro default__recover_json_batch(expr, key_lists) -%}
    {{ exceptions.raise_compiler_error("recover_json_batch is not supported on " ~ target.type) }}
{%- endmacro %}

{% macro default__recover_json_batch_item(batch, position) -%}
    {{ exceptions.raise_compiler_error("recover_json_batch_item is not supported on " ~ target.type) }}
{%- endmacro %}
