{#- Fails (error) if a column the registry classifies as personal data (direct identifiers, free
    text) is in the schema analysts read: those live in `{ns}_restricted` only. Reads the
    database's own catalog, so it checks what was built, on every engine. -#}
{%- set schema = generate_schema_name(none, model) | trim -%}
{%- set personal = recover_registry()['personal_columns'] %}
-- depends_on: {{ ref('dataset_enrolledparticipants') }}
select table_name, column_name
from information_schema.columns
where lower(table_schema) = '{{ schema | lower }}'
  and lower(table_name || '.' || column_name) in (
    {%- for table, column in personal %}
    '{{ (table ~ "." ~ column) | lower }}'{{ ',' if not loop.last }}
    {%- endfor %}
  )
