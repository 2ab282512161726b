{#- Casting raw text to curated types. Every cast is a "try": a value that does not fit
    becomes NULL (and is counted in the staging model's `_cast_failures`). -#}

{% macro recover_cast(expr, curated) -%}
    {%- if curated == 'varchar' -%}
        {{ expr }}
    {%- elif curated == 'bigint' -%}
        {#- integers, also written as `60.0`; `61.9` or `abc` fail (no silent rounding) -#}
        case when {{ recover_regexp_like(expr, '^\\s*-?[0-9]+(\\.0*)?\\s*$') }}
             then try_cast(regexp_extract({{ expr }}, '-?[0-9]+', 0) as bigint) end
    {%- elif curated == 'double' -%}
        {#- finite numbers only: "Infinity", "nan", 1e999 are failed casts, not values -#}
        {{ recover_finite_double(expr) }}
    {%- elif curated == 'boolean' -%}
        case lower({{ expr }}) when 'true' then true when 'false' then false end
    {%- elif curated == 'date' -%}
        try_cast({{ expr }} as date)
    {%- elif curated == 'timestamp' -%}
        {{ recover_parse_timestamp(expr) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown curated type '" ~ curated ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#- Truncating integer cast of a JSON number or numeric string (Python int(float(x)) semantics,
    used for the Garmin offset maps, docs/data-contract.md "Values"). -#}
{% macro recover_truncating_bigint(expr) %}{{ return(adapter.dispatch('recover_truncating_bigint', 'recover')(expr)) }}{% endmacro %}

{% macro duckdb__recover_truncating_bigint(expr) -%}
    try_cast(trunc({{ recover_finite_double(expr) }}) as bigint)
{%- endmacro %}

{% macro default__recover_truncating_bigint(expr) -%}
    try_cast(truncate({{ recover_finite_double(expr) }}) as bigint)
{%- endmacro %}


{#- `expr` as a double when it is a finite number, else NULL. -#}
{% macro recover_finite_double(expr) %}{{ return(adapter.dispatch('recover_finite_double', 'recover')(expr)) }}{% endmacro %}

{% macro duckdb__recover_finite_double(expr) -%}
    case when isfinite(try_cast({{ expr }} as double)) then try_cast({{ expr }} as double) end
{%- endmacro %}

{% macro default__recover_finite_double(expr) -%}
    case when is_finite(try_cast({{ expr }} as double)) then try_cast({{ expr }} as double) end
{%- endmacro %}


{#- The SQL type name of a curated type, for typed NULLs and empty tables. -#}
{% macro recover_sql_type(curated) %}{{ return(adapter.dispatch('recover_sql_type', 'recover')(curated)) }}{% endmacro %}

{% macro default__recover_sql_type(curated) -%}
    {{ {'varchar': 'varchar', 'bigint': 'bigint', 'double': 'double', 'boolean': 'boolean',
        'date': 'date', 'timestamp': 'timestamp(3)'}[curated] }}
{%- endmacro %}

{% macro duckdb__recover_sql_type(curated) -%}
    {{ {'varchar': 'varchar', 'bigint': 'bigint', 'double': 'double', 'boolean': 'boolean',
        'date': 'date', 'timestamp': 'timestamp'}[curated] }}
{%- endmacro %}


{#- ISO-8601 text -> naive UTC timestamp. Text without an offset is taken as UTC. -#}
{% macro recover_parse_timestamp(expr) %}{{ return(adapter.dispatch('recover_parse_timestamp', 'recover')(expr)) }}{% endmacro %}

{% macro duckdb__recover_parse_timestamp(expr) -%}
    cast(try_cast({{ expr }} as timestamptz) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro default__recover_parse_timestamp(expr) -%}
    cast(try(from_iso8601_timestamp({{ expr }})) at time zone 'UTC' as timestamp(3))
{%- endmacro %}


{% macro recover_regexp_like(expr, pattern) %}{{ return(adapter.dispatch('recover_regexp_like', 'recover')(expr, pattern)) }}{% endmacro %}

{% macro duckdb__recover_regexp_like(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro default__recover_regexp_like(expr, pattern) -%}
    regexp_like({{ expr }}, '{{ pattern }}')
{%- endmacro %}


{% macro recover_md5(expr) %}{{ return(adapter.dispatch('recover_md5', 'recover')(expr)) }}{% endmacro %}

{% macro duckdb__recover_md5(expr) -%}
    md5({{ expr }})
{%- endmacro %}

{% macro default__recover_md5(expr) -%}
    lower(to_hex(md5(to_utf8({{ expr }}))))
{%- endmacro %}


{#- The raw file a row came from. -#}
{% macro recover_raw_path() %}{{ return(adapter.dispatch('recover_raw_path', 'recover')()) }}{% endmacro %}

{% macro duckdb__recover_raw_path() %}filename{% endmacro %}

{% macro default__recover_raw_path() %}"$path"{% endmacro %}
