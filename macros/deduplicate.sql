{#-
  Intermediate: one row per index key across all exports and cohorts, flagged when HealthKit
  deleted it (docs/data-contract.md, "De-duplication", "HealthKit deletions"). Order within a key:
    InsertedDate (raw string) desc, NULLs last  -- only for types whose data carry InsertedDate
    export_end_date desc
    then a deterministic tie-breaker (upstream is arbitrary on exact ties):
    cohort asc, raw file name desc, export id desc (a later delivery of the same file
    wins), record hash asc.
  Deletions: a row whose (ParticipantIdentifier, key) appears in the `_Deleted` table is
  flagged `_is_deleted`, whatever the dates or cohorts (a re-inserted key stays deleted).
  Null keys never match a deletion.
-#}
{% macro recover_deduplicate(name) %}
{%- set t = recover_layout(name) -%}
{%- set staged = ref(t.models.staging) -%}
{%- set has_deleted = t.deletions is not none -%}
{%- if has_deleted -%}
{%- set deleted_ref = ref(t.deletions.staging) -%}
{%- endif -%}
{%- if not execute -%}
select * from {{ staged }}
{%- else -%}
{%- set index = t['index'] -%}
with staged as (

    select * from {{ staged }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by {% for k in index %}{{ adapter.quote(k) }}{{ ', ' if not loop.last }}{% endfor %}
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
    from staged

),

deduplicated as (

    select * from ranked where _rank = 1

),
{%- if has_deleted %}

deletions as (

    select distinct {% for k in index %}{{ adapter.quote(k) }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ deleted_ref }}
    where {% for k in index %}{{ adapter.quote(k) }} is not null{{ ' and ' if not loop.last }}{% endfor %}

),

final as (

    select
        deduplicated.*,
        deletions.{{ adapter.quote(index[0]) }} is not null as _is_deleted
    from deduplicated
    left join deletions
        on {% for k in index %}deduplicated.{{ adapter.quote(k) }} = deletions.{{ adapter.quote(k) }}{{ ' and ' if not loop.last }}{% endfor %}

)
{%- else %}

final as (

    select deduplicated.*, false as _is_deleted from deduplicated

)
{%- endif %}

select * from final
{%- endif %}
{% endmacro %}
