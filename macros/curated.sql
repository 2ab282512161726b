{#-
  Curated tables (docs/data-contract.md, "Curated tables"):
    recover_curated(name)         dataset_{name lower}: typed, flattened columns of the surviving rows
    recover_curated(name, path)   dataset_{name lower}_{path lower}: one row per array element
                                  (or offset-map entry) of a surviving parent row
  `cohort` is always the last column (the partition column on Athena).
-#}
{#- Engine-specific table settings of the curated tables (DuckDB: plain tables, exported to
    Parquet by `recover build`; Athena/Trino: Parquet partitioned by cohort; on Athena each build
    writes its own folder under the table's fixed prefix, recover_published_location()). -#}
{% macro recover_curated_config() %}
    {%- if target.type == 'athena' -%}
        {{ config(format='parquet', partitioned_by=['cohort'], table_type='hive',
                  external_location=recover_published_location(model.name)) }}
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


{#- The rows a child table unnests: the current parent rows (or, for an array inside array
    elements, their outer elements), each joined with one element of its container. Returns
    {ctes, source, from}: CTE text to put first, the relation holding the parent columns, and
    the FROM clause; the element is `element` (arrays: .elem, .ord; offset maps: key/value). -#}
{% macro recover_child_from(t, upstream, a) %}
{%- set outer = recover_child_layout(t, a.parent) if a.parent else none -%}
{%- set ctes -%}
parents as (

    select * from {{ upstream }} where not _is_deleted

)
{%- if outer %},

outer_elements as (

    select
        parents.*,
        cast(outer_array.ord - 1 as bigint) as _outer_index,
        outer_array.elem as _outer_elem
    from parents
    {{ recover_unnest_array('parents.' ~ adapter.quote(outer.path), 'outer_array') }}

)
{%- endif %}
{%- endset -%}
{%- set source_rel = 'outer_elements' if outer else 'parents' -%}
{%- set container = recover_json_text('outer_elements._outer_elem', a['keys']) if outer else 'parents.' ~ adapter.quote(a.path) -%}
{%- set unnest = recover_unnest_object(container, 'element') if a.kind == 'offset_map' else recover_unnest_array(container, 'element') -%}
{{ return({'ctes': ctes, 'source': source_rel, 'from': 'from ' ~ source_rel ~ '\n    ' ~ unnest}) }}
{% endmacro %}


{#- The element columns of a child table: [(name, typed expression, text expression)]. The text
    is what the element holds at that path; a typed value that is NULL where the text is not is a
    failed cast (counted in cast_failures). -#}
{% macro recover_child_values(a) %}
{%- set out = [] -%}
{%- if a.kind == 'offset_map' -%}
    {%- set key_text = recover_object_key('element') -%}
    {%- set value_text = recover_json_text(recover_object_value('element'), []) -%}
    {%- do out.append((a.offset_column, recover_cast(key_text, 'bigint'), key_text)) -%}
    {%- if a.value_column.curated == 'bigint' -%}
        {%- do out.append((a.value_column.name, recover_truncating_bigint(value_text), value_text)) -%}
    {%- else -%}
        {%- do out.append((a.value_column.name, recover_finite_double(value_text), value_text)) -%}
    {%- endif -%}
{%- elif a.scalar_column -%}
    {%- set text = recover_json_text('element.elem', []) -%}
    {%- do out.append((a.scalar_column.name, recover_cast(text, a.scalar_column.curated), text)) -%}
{%- else -%}
    {%- for c in a.element_columns -%}
        {%- set text = recover_json_text('element.elem', c['keys']) -%}
        {%- do out.append((c.name, recover_cast(text, c.curated), text)) -%}
    {%- endfor -%}
{%- endif -%}
{{ return(out) }}
{% endmacro %}


{% macro recover_child_sql(t, upstream, a) %}
{%- set keys = t.child_keys -%}
{%- set rows = recover_child_from(t, upstream, a) -%}
{%- set source_rel = rows.source -%}
with {{ rows.ctes }},

elements as (

    select
        {%- for k in keys %}
        {{ source_rel }}.{{ adapter.quote(k) }},
        {%- endfor %}
        {%- if a.parent %}
        {{ source_rel }}._outer_index as {{ adapter.quote(a.parent ~ '_index') }},
        {%- endif %}
        {%- if a.kind == 'offset_map' %}
        cast(row_number() over (
            partition by {% for k in keys %}{{ source_rel }}.{{ adapter.quote(k) }}, {% endfor %}{{ source_rel }}.cohort{% if a.parent %}, {{ source_rel }}._outer_index{% endif %}
            order by try_cast({{ recover_object_key('element') }} as bigint), {{ recover_object_key('element') }}
        ) - 1 as bigint) as {{ adapter.quote('index') }},
        {%- else %}
        cast(element.ord - 1 as bigint) as {{ adapter.quote('index') }},
        {%- endif %}
        {%- for name, typed, text in recover_child_values(a) %}
        {{ typed }} as {{ adapter.quote(name) }},
        {%- endfor %}
        {{ source_rel }}.cohort
    {{ rows['from'] }}

)

select * from elements
{% endmacro %}
