{#-
  Staging: one view per raw table (the only layer that calls source()).
  Raw columns hold JSON text; here every scalar leaf of the registry's field spec becomes a
  typed column named like its path (`HeartRateZone_OutOfRangeMax`), arrays and offset maps
  stay JSON text (named by their path) for the child tables, and the export metadata comes
  from the raw file's name (the file-name grammar of docs/data-contract.md).

  Helper columns (never in curated tables):
    _source_file         raw file name, e.g. FitbitSleepLogs_20230112-20230114.ndjson.gz
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
{#- Every JSON path read below each raw column (t.paths), so an engine that can extract many
    paths in one parse (DuckDB) does so once per column instead of once per field. -#}
{%- set paths = t.paths -%}
{%- set batched = recover_json_batch_supported() -%}
with source as (

    {#- hidden columns such as Trino/Athena's "$path" only exist on the table itself -#}
    select *, {{ recover_raw_path() }} as _source_path from {{ src }}

),

guarded as (

    select
        _source_path,
        cohort,
        {%- for raw in t.raw_columns %}
        {%- if raw.scalar %}
        {{ adapter.quote(raw.name) }},
        {%- else %}
        {{ recover_json_guard(adapter.quote(raw.name)) }} as {{ adapter.quote(raw.name) }},
        {%- endif %}
        {%- endfor %}
        {%- for j in json_strings if j['keys'] | length == 0 %}
        {{ adapter.quote(j.root) }} as {{ adapter.quote('_json__' ~ j.path) }},
        {%- endfor %}
        {{ recover_md5("concat_ws('|', " ~ recover_coalesced(t.raw_columns | map(attribute='name') | list) ~ ")") }} as _record_hash
    from source

),

batched as (

    select
        *
        {%- if batched %}
        {%- for root, key_lists in paths.items() %},
        {{ recover_json_batch(adapter.quote(root), key_lists) }} as {{ adapter.quote('__batch__' ~ root) }}
        {%- endfor %}
        {%- endif %}
    from guarded

),

extracted as (

    select
        regexp_extract(_source_path, '[^/]+$', 0) as _source_file,
        cohort,
        _record_hash,
        {%- for c in leaves %}
        {{ recover_path_text(c.root, c['keys'], paths, batched) }} as {{ adapter.quote(c.name) }},
        {%- endfor %}
        {%- for a in arrays %}
        {{ recover_path_text(a.root, a['keys'], paths, batched) }} as {{ adapter.quote(a.path) }},
        {%- endfor %}
        {%- for j in json_strings %}
        {%- if j['keys'] | length == 0 %}
        {{ adapter.quote('_json__' ~ j.path) }},
        {%- else %}
        {{ recover_path_text(j.root, j['keys'], paths, batched) }} as {{ adapter.quote('_json__' ~ j.path) }},
        {%- endif %}
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
        {{ recover_cast("case when length(_date_token) = 17 then " ~ recover_iso_date("substr(_date_token, 1, 8)") ~ " end", 'timestamp') }} as export_start_date,
        {{ recover_cast(recover_iso_date("case when length(_date_token) = 17 then substr(_date_token, 10, 8) else nullif(_date_token, '') end"), 'timestamp') }} as export_end_date,
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
        cohort
    from extracted

)

select * from typed
{%- endif %}
{% endmacro %}


{#- The text at `keys` below raw column `root`: from the column's batch when the engine
    extracted all its paths in one parse, else one JSON extraction. -#}
{% macro recover_path_text(root, keys, paths, batched) -%}
    {%- if batched and keys | length > 0 -%}
        {{ recover_json_batch_item(adapter.quote('__batch__' ~ root), paths[root].index(keys)) }}
    {%- else -%}
        {{ recover_leaf_text(root, keys) }}
    {%- endif -%}
{%- endmacro %}


{#- The text of a leaf: the raw column itself, or a JSON path below it. -#}
{% macro recover_leaf_text(root, keys) -%}
    {%- if keys | length == 0 -%}
        {{ adapter.quote(root) }}
    {%- else -%}
        {{ recover_json_text(adapter.quote(root), keys) }}
    {%- endif -%}
{%- endmacro %}


{% macro recover_coalesced(columns) -%}
    {%- for c in columns -%}coalesce({{ adapter.quote(c) }}, ''){{ ', ' if not loop.last }}{%- endfor -%}
{%- endmacro %}


{#- 'YYYYMMDD' text -> 'YYYY-MM-DDT00:00:00' (export dates). -#}
{% macro recover_iso_date(expr) -%}
    substr({{ expr }}, 1, 4) || '-' || substr({{ expr }}, 5, 2) || '-' || substr({{ expr }}, 7, 2) || 'T00:00:00'
{%- endmacro %}
