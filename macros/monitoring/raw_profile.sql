{#-
  The raw profile of a device group (raw_profile__{group}): one scan of every raw table of the
  group's data types (their `_Deleted` types included) that records, per data type,
    fact = 'file'     per raw file: records (lines that are JSON objects), rejected lines, the
                      export_end_date of its name, and the scan position of its first line
    fact = 'reject'   per line that is not a JSON object (blank lines excepted): its scan
                      position, the reason and its first 1 KB
    fact = 'path'     per JSON path present in the data but not in the registry, and export:
                      records holding it, an example value and its JSON kind
  Every fact belongs to one export (`cohort`, `export`), so an incremental build keeps the
  published facts of the other exports and profiles only the new ones.
  record_counts (READ, REJECTED), rejected_records and schema_drift read it. Staging parses the
  same lines for the data; this is the one other pass over the raw zone per build.
  Paths are checked on the record and on every object the registry declares (structs, and the
  first element of arrays of objects); JSON strings and offset maps hold no fixed keys.
-#}
{% macro recover_raw_profile(group) %}
{{ recover_helper_config() }}
{%- set names = [] -%}
{%- for name in recover_registry()['groups'][group] -%}
    {%- set t = recover_layout(name) -%}
    {%- do names.append(name) -%}
    {%- if t.deletions %}{% do names.append(t.deletions.name) %}{% endif -%}
{%- endfor -%}
{%- if recover_is_incremental() %}
{#- the published facts of the exports outside this build's scope (macros/incremental.sql) -#}
select * from {{ recover_previous() }} where not {{ recover_scope_filter() }}
union all
{%- endif %}
{%- for name in names %}
{%- set t = recover_layout(name) %}
select * from (
    {{ recover_raw_profile_of(t, source('recover_raw', name)) }}
) as {{ adapter.quote('profile_' ~ loop.index) }}
{{ 'union all' if not loop.last }}
{%- endfor %}
{% endmacro %}


{% macro recover_raw_profile_of(t, src) -%}
{#- One pass over the raw lines keeps only what the facts need: never the whole line (on DuckDB
    `lines` is materialized, and the raw zone's text would be held, or spilled, in full). -#}
with raw_lines as (

    select
        line,
        {{ recover_raw_path() }} as source_path,
        cohort,
        export,
        {{ recover_raw_row() }} as row_in_scan,
        {{ recover_line_problem('line') }} as problem
    from {{ src }}
    where {{ recover_scope_filter() }}

),

object_keys as (

    select
        *,
        {#- the keys of every declared object of a record, in one parse of the line -#}
        case when problem is null then {{ recover_object_keys('line', t.objects) }} end as object_keys
    from raw_lines

),

lines as {{ recover_materialized() }} (

    select
        source_path,
        cohort,
        export,
        row_in_scan,
        problem,
        case when problem is not null and problem <> 'blank line' then substr(line, 1, 1024) end as reject_text,
        case when problem is null then {{ recover_unknown_paths('line', 'object_keys', t.objects) }} end as unknown_paths
    from object_keys

),

files as (

    select
        source_path,
        cohort,
        export,
        sum(case when problem is null then 1 else 0 end) as records,
        sum(case when problem is not null and problem <> 'blank line' then 1 else 0 end) as rejected,
        min(row_in_scan) as first_row
    from lines
    group by source_path, cohort, export

),

unknown as (

    select cohort, export, {{ recover_unknown_fields('u') }}
    from lines
    {{ recover_unnest_unknown_paths('unknown_paths', 'u') }}
    where problem is null

),

paths as (

    select
        path,
        cohort,
        export,
        count(*) as records,
        {#- text may be personal data: only the example's length is kept -#}
        min(case when value_text like '"%' then '(text, ' || cast(length(value_text) - 2 as varchar) || ' characters)'
                 else substr(value_text, 1, 200) end) as example_value,
        max(value_kind) as value_kind
    from unknown
    group by path, cohort, export

)

select
    '{{ t.name }}' as data_type, 'file' as fact, source_path, cohort, export,
    {{ recover_export_end_date("regexp_extract(regexp_extract(source_path, '[^/]+$', 0), '_([0-9]{8}(-[0-9]{8})?)\\.ndjson(\\.gz)?$', 1)") }} as export_end_date,
    cast(records as bigint) as records, cast(rejected as bigint) as rejected,
    cast(first_row as bigint) as row_in_scan, cast(null as varchar) as problem,
    cast(null as varchar) as text, cast(null as varchar) as path,
    cast(null as varchar) as last_export, cast(null as varchar) as value_kind
from files
union all
select
    '{{ t.name }}', 'reject', source_path, cohort, export, cast(null as timestamp),
    cast(null as bigint), cast(null as bigint), cast(row_in_scan as bigint), problem,
    {%- if t.restricted %}
    {#- the line may hold this type's personal data: the raw zone keeps it -#}
    '(withheld: {{ t.name }} holds personal data; see the raw file at this line)',
    {%- else %}
    reject_text,
    {%- endif %}
    cast(null as varchar), cast(null as varchar), cast(null as varchar)
from lines
where problem is not null and problem <> 'blank line'
union all
select
    '{{ t.name }}', 'path', cast(null as varchar), cohort, export,
    cast(null as timestamp), cast(records as bigint), cast(null as bigint), cast(null as bigint),
    cast(null as varchar), example_value, path, export, value_kind
from paths
{%- endmacro %}


{#- Why a raw line is not a record: 'blank line', 'not valid JSON', 'not a JSON object'; NULL
    for a JSON object. Never fails on bad input. -#}
{% macro recover_line_problem(expr) %}{{ return(adapter.dispatch('recover_line_problem', 'recover')(expr)) }}{% endmacro %}

{% macro duckdb__recover_line_problem(expr) -%}
    case
        when {{ expr }} is null or trim({{ expr }}) = '' then 'blank line'
        when not json_valid({{ expr }}) then 'not valid JSON'
        when not {{ recover_json_text_is_object(expr) }} then 'not a JSON object'
    end
{%- endmacro %}

{% macro default__recover_line_problem(expr) -%}
    case
        when {{ expr }} is null or trim({{ expr }}) = '' then 'blank line'
        when try(json_parse({{ expr }})) is null then 'not valid JSON'
        when json_format(json_parse({{ expr }})) not like '{{ "{%" }}' then 'not a JSON object'
    end
{%- endmacro %}


{#- The columns path, value_text, value_kind of one unknown path produced by
    recover_unnest_unknown_paths (its alias `u`). -#}
{% macro recover_unknown_fields(alias) %}{{ return(adapter.dispatch('recover_unknown_fields', 'recover')(alias)) }}{% endmacro %}

{% macro duckdb__recover_unknown_fields(alias) -%}
    {{ alias }}.p.path as path, {{ alias }}.p.value_text as value_text, {{ recover_json_kind(alias ~ '.p.value_text') }} as value_kind
{%- endmacro %}

{% macro default__recover_unknown_fields(alias) -%}
    {{ alias }}.path as path, {{ alias }}.value_text as value_text, {{ recover_json_kind(alias ~ '.value_text') }} as value_kind
{%- endmacro %}


{#- The keys of the line's declared objects (layout `objects`), for recover_unknown_paths: on
    DuckDB a list with one list of keys per object, from one parse of the line (an object that
    is absent or not an object gives NULL or an empty list); other engines read the line per
    object in recover_unknown_paths and need nothing here. -#}
{% macro recover_object_keys(expr, objects) %}{{ return(adapter.dispatch('recover_object_keys', 'recover')(expr, objects)) }}{% endmacro %}

{% macro duckdb__recover_object_keys(expr, objects) -%}
    json_keys({{ expr }}, [{% for o in objects %}{{ recover_json_path_literal(o.steps) }}{{ ', ' if not loop.last }}{% endfor %}])
{%- endmacro %}

{% macro default__recover_object_keys(expr, objects) -%}
    cast(null as varchar)
{%- endmacro %}


{#- The keys of the line's declared objects that the registry does not declare (the objects'
    known keys: layout `objects`), as a list of (path, value_text): empty for most lines.
    `keys` is the column recover_object_keys made. -#}
{% macro recover_unknown_paths(expr, keys, objects) %}{{ return(adapter.dispatch('recover_unknown_paths', 'recover')(expr, keys, objects)) }}{% endmacro %}

{% macro duckdb__recover_unknown_paths(expr, keys, objects) -%}
    list_concat(
        {%- for o in objects %}
        list_transform(
            list_filter(coalesce({{ keys }}[{{ loop.index }}], []),
                lambda k: not list_contains([{% for k in o.known %}'{{ k | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %}], k)),
            lambda k: {'path': '{{ (o.path ~ ".") if o.path else "" }}' || k,
                  'value_text': json_extract({{ expr }}, {{ recover_json_path_literal(o.steps)[:-1] }}."' || replace(k, '"', '\"') || '"')::varchar})
        {{- ', ' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro default__recover_unknown_paths(expr, keys, objects) -%}
    {#- Trino's concat() needs two arrays or more -#}
    {{ 'concat(' if objects | length > 1 else '(' }}
        {%- for o in objects %}
        transform(
            filter(
                coalesce(map_keys(try(cast(json_extract({{ expr }}, {{ recover_json_path_literal(o.steps) }}) as map(varchar, json)))), array[]),
                k -> not contains(array[{% for k in o.known %}'{{ k | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %}], k)),
            k -> cast(row('{{ (o.path ~ ".") if o.path else "" }}' || k,
                          json_format(json_extract({{ expr }}, {{ recover_json_path_literal(o.steps)[:-1] }}["' || replace(k, '"', '\"') || '"]')))
                      as row(path varchar, value_text varchar)))
        {{- ', ' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}


{#- FROM fragment: one row per element of the list recover_unknown_paths made. -#}
{% macro recover_unnest_unknown_paths(column, alias) %}{{ return(adapter.dispatch('recover_unnest_unknown_paths', 'recover')(column, alias)) }}{% endmacro %}
{% macro duckdb__recover_unnest_unknown_paths(column, alias) %}cross join unnest({{ column }}) as {{ alias }}(p){% endmacro %}
{% macro default__recover_unnest_unknown_paths(column, alias) %}cross join unnest({{ column }}) as {{ alias }}(path, value_text){% endmacro %}


{#- The JSON kind of a JSON text: object, array, boolean, null, int, double, or for strings
    string_timestamp / string_date / string_int (ISO date-time, date, integer text) or string:
    enough to suggest a registry type without keeping the value (it may be personal data). -#}
{% macro recover_json_kind(text) -%}
    case
        when {{ text }} like '{{ "{%" }}' then 'object'
        when {{ text }} like '[%' then 'array'
        when {{ recover_regexp_like(text, '^"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}') }} then 'string_timestamp'
        when {{ recover_regexp_like(text, '^"[0-9]{4}-[0-9]{2}-[0-9]{2}"$') }} then 'string_date'
        when {{ recover_regexp_like(text, '^"-?[0-9]+"$') }} then 'string_int'
        when {{ text }} like '"%' then 'string'
        when {{ text }} in ('true', 'false') then 'boolean'
        when {{ text }} = 'null' then 'null'
        when {{ recover_regexp_like(text, '^-?[0-9]+$') }} then 'int'
        else 'double'
    end
{%- endmacro %}


{#- DuckDB evaluates a CTE once when asked to; other engines inline it. -#}
{% macro recover_materialized() %}{{ return(adapter.dispatch('recover_materialized', 'recover')()) }}{% endmacro %}
{% macro duckdb__recover_materialized() %}materialized{% endmacro %}
{% macro default__recover_materialized() %}{% endmacro %}


{#- A raw line's position in its table's scan (DuckDB's raw views number them; Athena and
    Trino expose no row position, so rejected lines there have no line number). -#}
{% macro recover_raw_row() %}{{ return(adapter.dispatch('recover_raw_row', 'recover')()) }}{% endmacro %}
{% macro duckdb__recover_raw_row() %}_row{% endmacro %}
{% macro default__recover_raw_row() %}cast(null as bigint){% endmacro %}
