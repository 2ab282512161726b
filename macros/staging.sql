{#-
  Staging: one view per raw table (the only layer that calls source()).
  A raw table holds one row per line of the raw NDJSON (committed exports only). Staging keeps
  the lines that are JSON objects (the others are quarantined by the raw profile, monitoring.sql)
  and reads every path the layout names from the line: each scalar leaf of the registry's field
  spec becomes a typed column named like its path (`HeartRateZone_OutOfRangeMax`), arrays and
  offset maps stay JSON text (named by their path) for the child tables, and the export
  metadata comes from the raw file's name (the file-name grammar of docs/data-contract.md).

  Helper columns (never in curated tables):
    _source_file         raw file name, e.g. FitbitSleepLogs_20230112-20230114.ndjson.gz
    _export              the export's id (its raw folder `export=...`)
    _inserted_date_raw   InsertedDate as delivered (de-dup compares the raw strings)
    _record_hash         md5 of the record's top-level values: the last de-dup tie-breaker
    _cast_failures       comma-separated columns whose value failed its cast (or malformed JSON strings)
-#}
{% macro recover_staging(name) %}
{%- set t = recover_layout(name) -%}
{%- set src = source('recover_raw', name) -%}
{%- if not execute -%}
select * from {{ src }}
{%- else -%}
{%- set leaves = t.columns -%}
{%- set arrays = t.children | selectattr('parent', 'none') | list -%}
{%- set json_strings = t.json_strings -%}
{#- Every path read from the line (t.line_paths), so an engine that can extract many paths in
    one parse (DuckDB) reads each line once instead of once per field. -#}
{%- set batched = recover_json_batch_supported() -%}
with source as (

    {#- hidden columns such as Trino/Athena's "$path" only exist on the table itself -#}
    select line, {{ recover_raw_path() }} as _source_path, cohort, export as _export
    from {{ src }}
    where {{ recover_scope_filter() }}

),

records as (

    select * from source where {{ recover_is_object('line') }}

),

batched as (

    select
        *
        {%- if batched %},
        {{ recover_json_batch('line', t.line_paths) }} as __batch
        {%- endif %}
    from records

),

extracted as (

    select
        regexp_extract(_source_path, '[^/]+$', 0) as _source_file,
        _export,
        cohort,
        {{ recover_md5("concat_ws('|', " ~ recover_root_texts(t, batched) ~ ")") }} as _record_hash,
        {%- for c in leaves %}
        {{ recover_field_text(c, t.line_paths, batched) }} as {{ adapter.quote(c.name) }},
        {%- endfor %}
        {%- for a in arrays %}
        {{ recover_field_text(a, t.line_paths, batched) }} as {{ adapter.quote(a.path) }},
        {%- endfor %}
        {%- for j in json_strings %}
        {{ recover_field_text(j, t.line_paths, batched) }} as {{ adapter.quote('_json__' ~ j.path) }},
        {%- endfor %}
        regexp_extract(regexp_extract(_source_path, '[^/]+$', 0), '_([0-9]{8}(-[0-9]{8})?)\.ndjson(\.gz)?$', 1) as _date_token
    from batched

),

typed as (

    select
        {%- for c in leaves %}
        {{ recover_cast(adapter.quote(c.name), c.curated) }} as {{ adapter.quote(c.name) }},
        {%- endfor %}
        {%- if t.subtyped %}
        split_part(_source_file, '_', 2) as {{ adapter.quote('Type') }},
        {%- endif %}
        {%- for a in arrays %}
        {{ adapter.quote(a.path) }},
        {%- endfor %}
        {{ recover_export_dates('_date_token') }},
        {%- if t.inserted_date %}
        {{ adapter.quote('InsertedDate') }} as _inserted_date_raw,
        {%- else %}
        cast(null as varchar) as _inserted_date_raw,
        {%- endif %}
        nullif(substr(concat_ws(',', ''
            {%- for c in leaves if c.curated != 'varchar' %},
            case when {{ adapter.quote(c.name) }} is not null and {{ recover_cast(adapter.quote(c.name), c.curated) }} is null then '{{ c.name }}' end
            {%- endfor %}
            {%- for j in json_strings %},
            case when {{ adapter.quote('_json__' ~ j.path) }} <> '' and not {{ recover_is_json(adapter.quote('_json__' ~ j.path)) }} then '{{ j.path }}' end
            {%- endfor %}
        ), 2), '') as _cast_failures,
        _record_hash,
        _source_file,
        _export,
        cohort
    from extracted

)

select * from typed
{%- endif %}
{% endmacro %}


{#- The text at JSON `path` (a list of keys from the record) of the line: from the batch when the
    engine extracted all the line's paths in one parse, else one JSON extraction. -#}
{% macro recover_line_text(path, line_paths, batched) -%}
    {%- if batched -%}
        {{ recover_json_batch_item('__batch', line_paths.index(path)) }}
    {%- else -%}
        {{ recover_json_text('line', path) }}
    {%- endif -%}
{%- endmacro %}


{#- The text of a field (a layout column, child or JSON string: root, keys, split): read from
    the line, in two parts when its path crosses a JSON string (the string's text, then the
    rest of the path within it). -#}
{% macro recover_field_text(field, line_paths, batched) -%}
    {%- set path = [field.root] + field['keys'] -%}
    {%- if field.split is none -%}
        {{ recover_line_text(path, line_paths, batched) }}
    {%- else -%}
        {{ recover_json_text(recover_json_guard(recover_line_text(path[:field.split], line_paths, batched)), path[field.split:]) }}
    {%- endif -%}
{%- endmacro %}


{#- The record's top-level values as text, NULLs as '', for the record hash. -#}
{% macro recover_root_texts(t, batched) -%}
    {%- for raw in t.raw_columns -%}
        coalesce({{ recover_line_text([raw.name], t.line_paths, batched) }}, ''){{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#- export_start_date and export_end_date from the file name's date token ('YYYYMMDD-YYYYMMDD' or
    'YYYYMMDD': end only). -#}
{% macro recover_export_dates(token) -%}
    {{ recover_cast("case when length(" ~ token ~ ") = 17 then " ~ recover_iso_date("substr(" ~ token ~ ", 1, 8)") ~ " end", 'timestamp') }} as export_start_date,
        {{ recover_export_end_date(token) }} as export_end_date
{%- endmacro %}


{% macro recover_export_end_date(token) -%}
    {{ recover_cast(recover_iso_date("case when length(" ~ token ~ ") = 17 then substr(" ~ token ~ ", 10, 8) else nullif(" ~ token ~ ", '') end"), 'timestamp') }}
{%- endmacro %}


{#- 'YYYYMMDD' text -> 'YYYY-MM-DDT00:00:00' (export dates). -#}
{% macro recover_iso_date(expr) -%}
    substr({{ expr }}, 1, 4) || '-' || substr({{ expr }}, 5, 2) || '-' || substr({{ expr }}, 7, 2) || 'T00:00:00'
{%- endmacro %}
