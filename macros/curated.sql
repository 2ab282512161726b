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
{% macro recover_curated_config(area='parquet') %}
    {%- if target.type == 'athena' -%}
        {#- the table's name: a restricted model's YAML alias is not known yet at parse time,
            when dbt captures this config -#}
        {%- set table = model.name | replace('__restricted', '') -%}
        {{ config(format='parquet', partitioned_by=['cohort'], table_type='hive',
                  external_location=recover_published_location(table, area)) }}
    {%- elif target.type == 'trino' -%}
        {{ config(properties={'format': "'PARQUET'", 'partitioned_by': "ARRAY['cohort']"}) }}
    {%- endif -%}
{% endmacro %}


{% macro recover_curated(name, path=none) %}
{{- recover_curated_config() -}}
{{- recover_history_config(name, 'upstream') -}}
{%- set t = recover_layout(name) -%}
{%- set upstream = ref(t.models.deduplicated) -%}
{%- if path is none and t.derived | selectattr('rule', 'equalto', 'zip3') | list -%}
    {%- set zip3 = ref('restricted_zip3') -%}  {#- a dependency dbt must see at parse time -#}
{%- endif -%}
{%- if not execute -%}
select * from {{ upstream }}
{%- elif path is none -%}
{{ recover_with_history(t, upstream, recover_parent_sql(t, recover_changed_rows(upstream))) }}
{%- else -%}
{{ recover_with_history(t, upstream, recover_child_sql(t, recover_changed_rows(upstream), recover_child_layout(t, path))) }}
{%- endif %}
{% endmacro %}


{#- The intermediate rows a build computed: all of them on a full build, on an incremental one
    those of the keys its exports touched (macros/incremental.sql). -#}
{% macro recover_changed_rows(upstream) -%}
    {%- if recover_is_incremental() -%}
        (select * from {{ upstream }} where _run_id = '{{ recover_run_id() }}') as changed_rows
    {%- else -%}
        {{ upstream }}
    {%- endif -%}
{%- endmacro %}


{#- A curated (or restricted) table from the rows of `sql`, computed from recover_changed_rows:
    on an incremental build, plus the published rows of every key it did not touch (unless the
    table is changed in place, recover_in_place()). -#}
{% macro recover_with_history(t, upstream, sql) -%}
    {%- if recover_is_incremental() and not recover_in_place() -%}
{{ recover_untouched_rows(t['index'], recover_recomputed_keys(t, upstream)) }}
union all
select * from (
{{ sql }}
) as recomputed
    {%- else -%}
{{ sql }}
    {%- endif -%}
{%- endmacro %}


{% macro recover_parent_sql(t, upstream) %}
with current_rows as (

    select * from {{ upstream }} where not _is_deleted

),

final as (

    select
        {%- for c in t.columns if c.personal is none %}
        {{ adapter.quote(c.name) }},
        {%- endfor %}
        {%- for d in t.derived %}
        {{ recover_derived(d) }} as {{ adapter.quote(d.name) }},
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
{% macro recover_child_values(a, personal=false) %}
{%- set out = [] -%}
{%- if a.kind == 'offset_map' and not personal -%}
    {%- set key_text = recover_object_key('element') -%}
    {%- set value_text = recover_json_text(recover_object_value('element'), []) -%}
    {%- do out.append((a.offset_column, recover_cast(key_text, 'bigint'), key_text)) -%}
    {%- if a.value_column.curated == 'bigint' -%}
        {%- do out.append((a.value_column.name, recover_truncating_bigint(value_text), value_text)) -%}
    {%- else -%}
        {%- do out.append((a.value_column.name, recover_finite_double(value_text), value_text)) -%}
    {%- endif -%}
{%- elif a.scalar_column and not personal -%}
    {%- set text = recover_json_text('element.elem', []) -%}
    {%- do out.append((a.scalar_column.name, recover_cast(text, a.scalar_column.curated), text)) -%}
{%- else -%}
    {%- for c in a.element_columns if (c.personal is not none) == personal -%}
        {%- set text = recover_json_text('element.elem', c['keys']) -%}
        {%- do out.append((c.name, recover_cast(text, c.curated), text)) -%}
    {%- endfor -%}
{%- endif -%}
{{ return(out) }}
{% endmacro %}


{% macro recover_child_sql(t, upstream, a, personal=false) %}
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
        {%- for name, typed, text in recover_child_values(a, personal) %}
        {{ typed }} as {{ adapter.quote(name) }},
        {%- endfor %}
        {{ source_rel }}.cohort
    {{ rows['from'] }}

)

select * from elements
{% endmacro %}


{#- The restricted table of a data type (or of one of its child tables): the key columns and the
    fields the registry classifies as personal data (`dictionary` ... `personal`), in schema
    `{ns}_restricted` under the curated table's name, so that access is granted separately. -#}
{% macro recover_restricted(name, path=none) %}
{{- recover_curated_config('restricted') -}}
{{- recover_history_config(name, 'upstream') -}}
{%- set t = recover_layout(name) -%}
{%- set upstream = ref(t.models.deduplicated) -%}
{%- if not execute -%}
select * from {{ upstream }}
{%- elif path is none -%}
{%- set sql -%}
select
    {%- for k in t['index'] %}
    {{ adapter.quote(k) }},
    {%- endfor %}
    {%- for c in t.columns if c.personal is not none %}
    {{ adapter.quote(c.name) }},
    {%- endfor %}
    cohort
from {{ recover_changed_rows(upstream) }}
where not _is_deleted
{%- endset -%}
{{ recover_with_history(t, upstream, sql) }}
{%- else -%}
{{ recover_with_history(t, upstream, recover_child_sql(t, recover_changed_rows(upstream), recover_child_layout(t, path), personal=true)) }}
{%- endif %}
{% endmacro %}
