{#-
  Curated tables (docs/data-contract.md, "Curated tables"):
    recover_curated(name)         dataset_{name lower}: typed, flattened columns of the surviving rows
    recover_curated(name, path)   dataset_{name lower}_{path lower}: one row per array element
                                  (or offset-map entry) of a surviving parent row
  `cohort` is always the last column (the partition column on Athena).
-#}
{#- Engine-specific table settings of the curated tables (DuckDB: plain tables, exported to
    Parquet by `recover build`; Athena/Trino: Parquet partitioned by cohort). -#}
{% macro recover_curated_config() %}
    {%- if target.type == 'athena' -%}
        {{ config(format='parquet', partitioned_by=['cohort'], table_type='hive',
                  s3_data_naming='schema_table_unique') }}
    {%- elif target.type == 'trino' -%}
        {{ config(properties={'format': "'PARQUET'", 'partitioned_by': "ARRAY['cohort']"}) }}
    {%- endif -%}
{% endmacro %}


{% macro recover_curated(name, path=none) %}
{{- recover_curated_config() -}}
{%- set t = recover_layout(name) -%}
{%- set upstream = ref(t.models.deduplicated) -%}
{%- if not execute -%}
select * from {{ upstream }}
{%- elif path is none -%}
{{ recover_parent_sql(t, upstream) }}
{%- else -%}
{{ recover_child_sql(t, upstream, recover_child_layout(t, path)) }}
{%- endif %}
{% endmacro %}


{% macro recover_parent_sql(t, upstream) %}
with current_rows as (

    select * from {{ upstream }} where not _is_deleted

),

final as (

    select
        {%- for c in t.columns %}
        {{ adapter.quote(c.name) }},
        {%- endfor %}
        {%- if t.subtyped %}
        {{ adapter.quote('Type') }},
        {%- endif %}
        export_start_date,
        export_end_date,
        cohort
    from current_rows

)

select * from final
{% endmacro %}


{% macro recover_child_sql(t, upstream, a) %}
{%- set keys = t.child_keys -%}
{%- set outer = recover_child_layout(t, a.parent) if a.parent else none -%}
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
        {{ recover_cast(recover_object_key('element'), 'bigint') }} as {{ adapter.quote(a.offset_column) }},
        {%- set value_text = recover_json_text(recover_object_value('element'), []) %}
        {%- if a.value_column.curated == 'bigint' %}
        {{ recover_truncating_bigint(value_text) }} as {{ adapter.quote(a.value_column.name) }},
        {%- else %}
        try_cast({{ value_text }} as double) as {{ adapter.quote(a.value_column.name) }},
        {%- endif %}
        {%- else %}
        cast(element.ord - 1 as bigint) as {{ adapter.quote('index') }},
        {%- if a.scalar_column %}
        {{ recover_cast(recover_json_text('element.elem', []), a.scalar_column.curated) }} as {{ adapter.quote(a.scalar_column.name) }},
        {%- else %}
        {%- for c in a.element_columns %}
        {{ recover_cast(recover_json_text('element.elem', c['keys']), c.curated) }} as {{ adapter.quote(c.name) }},
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
{% endmacro %}
