{#-
  Intermediate: one row per index key across all exports and cohorts, flagged when HealthKit
  deleted it (docs/data-contract.md, "De-duplication", "HealthKit deletions"). Order within a key:
    InsertedDate (raw string) desc, NULLs last  -- only for types whose data carry InsertedDate
    export_end_date desc
    then a deterministic tie-breaker (upstream is arbitrary on exact ties):
    cohort asc, raw file name desc, export id desc (a later delivery of the same file
    wins), record hash asc.
  Deletions: a row whose (ParticipantIdentifier, key) appears in the `_Deleted` data is flagged
  `_is_deleted`, whatever the dates or cohorts (a re-inserted key stays deleted). Null keys
  never match a deletion. A `_Deleted` type gets the same model: its deleted keys, one row each.

  The order is total, so the winner of a key over all its deliveries is the winner over (the
  published winner, the new deliveries): an incremental build (macros/incremental.sql) re-ranks
  only the keys its exports touch. Columns added here:
    _rank                  1 (the winner's rank)
    _is_deleted            HealthKit deletion flag (false for other types)
    _run_id                the build that computed the row
    _child_cast_failures   `table.column` of each child-table value of the row that failed its
                           cast, comma-separated (cast_failures counts them)
-#}
{% macro recover_deduplicate(name) %}
{{- recover_helper_config() -}}
{{- recover_history_config(name, 'rows') -}}
{%- set t = recover_layout(name) -%}
{%- set staged = ref(t.models.staging) -%}
{%- set has_deleted = t.deletions is not none -%}
{%- if has_deleted -%}
{%- set deleted_ref = ref(t.deletions.deduplicated) -%}
{%- endif -%}
{%- if not execute -%}
select * from {{ staged }}
{%- else -%}
{%- set index = t['index'] -%}
{%- set incremental = recover_is_incremental() -%}
{%- set columns = recover_staged_columns(t) -%}
{%- set run_id = recover_run_id() -%}
with staged as (

    select * from {{ staged }}

),
{%- if incremental %}

touched as (

    select distinct {{ recover_key_list(t) }} from staged
    {%- if has_deleted %}
    union
    select {{ recover_key_list(t) }} from {{ deleted_ref }} where _run_id = '{{ run_id }}'
    {%- endif %}

),

candidates as (

    select {{ columns | join(', ') }} from staged
    union all
    select {% for c in columns %}previous.{{ c }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ recover_previous() }} as previous
    where exists (select 1 from touched where {{ recover_keys_match(index, 'touched', 'previous') }})

),
{%- else %}

candidates as (

    select * from staged

),
{%- endif %}

ranked as (

    select
        *,
        row_number() over (
            partition by {{ recover_key_list(t) }}
            order by
                {%- if t.inserted_date %}
                _inserted_date_raw desc nulls last,
                {%- endif %}
                export_end_date desc nulls last,
                cohort asc,
                _source_file desc,
                _export desc,
                _record_hash asc
        ) as _rank
    from candidates

),

deduplicated as (

    select * from ranked where _rank = 1

),
{%- if has_deleted %}

deletions as (

    select {{ recover_key_list(t) }}
    from {{ deleted_ref }}
    where {% for k in index %}{{ adapter.quote(k) }} is not null{{ ' and ' if not loop.last }}{% endfor %}

),

flagged as (

    select
        deduplicated.*,
        deletions.{{ adapter.quote(index[0]) }} is not null as _is_deleted,
        '{{ run_id }}' as _run_id
    from deduplicated
    left join deletions
        on {{ recover_keys_match(index, 'deduplicated', 'deletions') }}

),
{%- else %}

flagged as (

    select deduplicated.*, false as _is_deleted, '{{ run_id }}' as _run_id from deduplicated

),
{%- endif %}

{{ recover_child_failures_ctes(t, 'flagged') }}

final as (

    select flagged.*, child_failures._child_cast_failures
    from flagged
    left join child_failures
        on {{ recover_keys_match(index, 'flagged', 'child_failures') }}

)

{% if incremental and not recover_in_place() -%}
{{ recover_untouched_rows(index, 'touched') }}
union all
{% endif -%}
select * from final
{%- endif %}
{% endmacro %}


{#- The columns of a staging model, in order (macros/staging.sql). -#}
{% macro recover_staged_columns(t) %}
    {%- set out = [] -%}
    {%- for c in t.columns %}{% do out.append(adapter.quote(c.name)) %}{% endfor -%}
    {%- if t.subtyped %}{% do out.append(adapter.quote('Type')) %}{% endif -%}
    {%- for a in t.children if a.parent is none %}{% do out.append(adapter.quote(a.path)) %}{% endfor -%}
    {%- do out.extend(['export_start_date', 'export_end_date', '_inserted_date_raw', '_cast_failures',
                       '_record_hash', '_source_file', '_export', 'cohort']) -%}
    {{- return(out) -}}
{% endmacro %}


{#- CTE `child_failures` (index fields, _child_cast_failures): per row of `rows` that is not
    deleted, the child-table values that fail their cast (macros/curated.sql). -#}
{% macro recover_child_failures_ctes(t, rows) -%}
{%- set parts = [] -%}
{%- for a in t.children -%}
    {%- set part = recover_child_cast_failures(t, rows, a) -%}
    {%- if part | trim -%}{%- do parts.append(part) -%}{%- endif -%}
{%- endfor -%}
child_failures as (
{%- if parts %}

    select {{ recover_key_list(t) }}, {{ recover_string_agg('_cast_failures', "','") }} as _child_cast_failures
    from (
        {%- for p in parts %}
        {{ p }}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ) as failures
    group by {{ recover_key_list(t) }}
{%- else %}

    select {{ recover_key_list(t) }}, cast(null as varchar) as _child_cast_failures
    from {{ rows }} where false
{%- endif %}

),
{%- endmacro %}


{% macro recover_string_agg(expr, sep) %}{{ return(adapter.dispatch('recover_string_agg', 'recover')(expr, sep)) }}{% endmacro %}
{% macro duckdb__recover_string_agg(expr, sep) %}string_agg({{ expr }}, {{ sep }}){% endmacro %}
{% macro default__recover_string_agg(expr, sep) %}array_join(array_agg({{ expr }}), {{ sep }}){% endmacro %}
