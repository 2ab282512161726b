{#-
  Curated tables (ARCHITECTURE.md "Curated tables"):
    recover_parent(name)        dataset_{name lower}: typed, flattened columns of the surviving rows
    recover_child(name, path)   dataset_{name lower}_{path lower}: one row per array element
                                (or offset-map entry) of a surviving parent row
  `cohort` is always the last column (the partition column on Athena).
-#}
{#- Engine-specific table settings of the curated tables (DuckDB: plain tables, exported to
    Parquet by `recover build`; Athena/Trino: Parquet partitioned by cohort). On Athena the
    location comes from the profile (`s3_data_naming: table`): s3://{bucket}/{ns}/parquet/{table}/,
    the lake-layout contract's fixed path. -#}
{% macro recover_curated_config() %}
    {%- if target.type == 'athena' -%}
        {{ config(format='parquet', partitioned_by=['cohort'], table_type='hive') }}
    {%- elif target.type == 'trino' -%}
        {{ config(properties={'format': "'PARQUET'", 'partitioned_by': "ARRAY['cohort']"}) }}
    {%- endif -%}
{% endmacro %}


{% macro recover_parent(name) %}
{{- recover_curated_config() -}}
{%- set upstream = ref('int_' ~ recover_snake(name) ~ '__deduplicated') -%}
{%- if not execute -%}
select * from {{ upstream }}
{%- else -%}
{%- set dt = recover_datatype(name) -%}
with current_rows as (

    select * from {{ upstream }} where not _is_deleted

),

final as (

    select
        {%- for c in recover_columns(name) %}
        {{ adapter.quote(c.name) }},
        {%- endfor %}
        {%- if dt.get('subtypes') %}
        {{ adapter.quote('Type') }},
        {%- endif %}
        export_start_date,
        export_end_date,
        cohort
    from current_rows

)

select * from final
{%- endif %}
{% endmacro %}


{#- Parent columns every child carries: the index fields, then ParticipantID where the parent has it. -#}
{% macro recover_child_keys(dt) %}
    {%- set keys = dt['index'] | list -%}
    {%- if 'ParticipantID' in dt['fields'] and 'ParticipantID' not in keys -%}
        {%- set keys = keys + ['ParticipantID'] -%}
    {%- endif -%}
    {{ return(keys) }}
{% endmacro %}


{#- Spec 4.5 renaming: an element field keeps its short name unless that collides with a
    column the child already has (id, index, cohort, the parent keys); then `{path}_{field}`. -#}
{% macro recover_child_column_name(short, path, taken) %}
    {%- if short | lower in taken -%}
        {{ return(path ~ '_' ~ short) }}
    {%- endif -%}
    {{ return(short) }}
{% endmacro %}


{% macro recover_child(name, path) %}
{{- recover_curated_config() -}}
{%- set upstream = ref('int_' ~ recover_snake(name) ~ '__deduplicated') -%}
{%- if not execute -%}
select * from {{ upstream }}
{%- else -%}
{%- set dt = recover_datatype(name) -%}
{%- set a = recover_array(name, path) -%}
{%- set keys = recover_child_keys(dt) -%}
{%- set taken = ['id', 'index', 'cohort'] + (keys | map('lower') | list) -%}
{%- set outer = recover_array(name, a.parent) if a.parent else none -%}
with parents as (

    select * from {{ upstream }} where not _is_deleted

),

{%- if outer %}

outer_elements as (

    select
        parents.*,
        cast(outer_array.ord - 1 as bigint) as _outer_index,
        outer_array.elem as _outer_elem
    from parents
    {{ recover_unnest_array('parents.' ~ adapter.quote(outer.path), 'outer_array') }}

),
{%- set source_rel = 'outer_elements' -%}
{%- set container = recover_json_text('outer_elements._outer_elem', a['keys']) -%}
{%- set extra_keys = ['_outer_index'] -%}
{%- else %}
{%- set source_rel = 'parents' -%}
{%- set container = 'parents.' ~ adapter.quote(a.path) -%}
{%- set extra_keys = [] -%}
{%- endif %}

elements as (

    select
        {%- for k in keys %}
        {{ source_rel }}.{{ adapter.quote(k) }},
        {%- endfor %}
        {%- if outer %}
        {{ source_rel }}._outer_index as {{ adapter.quote(outer.path ~ '_index') }},
        {%- endif %}
        {%- if a.kind == 'offset_map' %}
        cast(row_number() over (
            partition by {% for k in keys %}{{ source_rel }}.{{ adapter.quote(k) }}, {% endfor %}{{ source_rel }}.cohort{% if outer %}, {{ source_rel }}._outer_index{% endif %}
            order by try_cast({{ recover_object_key('element') }} as bigint), {{ recover_object_key('element') }}
        ) - 1 as bigint) as {{ adapter.quote('index') }},
        {{ recover_cast(recover_object_key('element'), 'bigint') }} as {{ adapter.quote(recover_child_column_name('OffsetInSeconds', a.path, taken)) }},
        {%- set value_text = recover_json_text(recover_object_value('element'), []) %}
        {%- if a.value_type == 'int' %}
        {{ recover_truncating_bigint(value_text) }} as {{ adapter.quote(recover_child_column_name(a.value, a.path, taken)) }},
        {%- else %}
        try_cast({{ value_text }} as double) as {{ adapter.quote(recover_child_column_name(a.value, a.path, taken)) }},
        {%- endif %}
        {%- else %}
        cast(element.ord - 1 as bigint) as {{ adapter.quote('index') }},
        {%- if a.element is string %}
        {{ recover_cast(recover_json_text('element.elem', []), recover_scalar(a.element).curated) }} as {{ adapter.quote(a.path ~ '_val') }},
        {%- else %}
        {%- for c in recover_unique_names(recover_leaves(a.element, 'elem', [], '')) %}
        {{ recover_cast(recover_json_text('element.elem', c['keys']), c.curated) }} as {{ adapter.quote(recover_child_column_name(c.name, a.path, taken)) }},
        {%- endfor %}
        {%- endif %}
        {%- endif %}
        {{ source_rel }}.cohort
    from {{ source_rel }}
    {%- if a.kind == 'offset_map' %}
    {{ recover_unnest_object(container, 'element') }}
    {%- else %}
    {{ recover_unnest_array(container, 'element') }}
    {%- endif %}

)

select * from elements
{%- endif %}
{% endmacro %}
