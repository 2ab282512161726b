{#- export_freshness: per cohort, its newest committed export (from the raw profiles) and how many
    days before this build it was created (export ids start with their creation date). A
    warn-severity test reports a cohort with no export for more than the dbt var
    `recover_freshness_days` (default 8): weekly exports that stopped arriving. -#}
{% macro recover_export_freshness() %}
{{ recover_published_config() }}
with exports as (
{{ recover_union_groups('raw_profile__', 'cohort, export', "fact = 'file'") }}
),

newest as (

    select cohort, max(export) as last_export from exports group by cohort

)

select
    cohort,
    last_export,
    try_cast(substr(last_export, 1, 10) as date) as last_export_date,
    {{ recover_days_between("try_cast(substr(last_export, 1, 10) as date)",
                            "cast('" ~ run_started_at.strftime('%Y-%m-%d') ~ "' as date)") }} as days_before_build
from newest
{% endmacro %}


{% macro recover_days_between(start, end) %}{{ return(adapter.dispatch('recover_days_between', 'recover')(start, end)) }}{% endmacro %}
{% macro duckdb__recover_days_between(start, end) %}cast(date_diff('day', {{ start }}, {{ end }}) as bigint){% endmacro %}
{% macro default__recover_days_between(start, end) %}cast(date_diff('day', {{ start }}, {{ end }}) as bigint){% endmacro %}
