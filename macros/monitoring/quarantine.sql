{#-
  rejected_records: every raw line that is not a JSON object (blank lines excepted), kept out of
  the curated tables and listed here with its export, member, 1-based line number (NULL on
  Athena/Trino, which expose no row position), the reason and its first 1 KB.
  schema_drift: every JSON path present in the raw data that the registry does not declare,
  with the records holding it, the first and last export seen and an example value.
  `recover registry suggest` prints registry entries for the paths of schema_drift.
-#}
{% macro recover_rejected_records() %}
{{ recover_published_config() }}
with profile as (
{{ recover_union_groups('raw_profile__') }}
),

rejects as (

    select * from profile where fact = 'reject'

),

files as (

    select data_type, source_path, row_in_scan as first_row from profile where fact = 'file'

)

select
    r.data_type,
    r.export,
    r.cohort,
    regexp_replace(regexp_extract(r.source_path, '[^/]+$', 0), '\.ndjson\.gz$', '') as member,
    r.row_in_scan - f.first_row + 1 as line_number,
    r.problem as error,
    r.text
from rejects as r
left join files as f on f.data_type = r.data_type and f.source_path = r.source_path
{% endmacro %}


{% macro recover_schema_drift() %}
{{ recover_published_config() }}
with profile as (
{{ recover_union_groups('raw_profile__') }}
)

select
    data_type,
    path,
    sum(records) as records,
    min(export) as first_export,
    max(export) as last_export,
    min(text) as example_value,
    max(value_kind) as value_kind
from profile
where fact = 'path'
group by data_type, path
{% endmacro %}
