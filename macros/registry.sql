{#-
  The data-type registry: the `meta` of the `recover_raw` sources
  (models/staging/_recover__sources.yml, format in docs/registry.md), read through the
  generated macro recover_registry_data() (macros/generated/registry_data.sql), which also
  works where dbt's `graph` is empty (parse time, unit tests).

  recover_datatype(name)      -> the table's meta dict (+ name, identifier)
  recover_columns(name)       -> flattened parent columns: list of dicts
        {name, root, keys, json_type, curated}     root = raw column, keys = JSON keys below it
  recover_arrays(name)        -> child tables: list of dicts
        {table, path, root, keys, kind, element, parent, value, value_type}
  Field specs are parsed here exactly as recover/registry.py parses them.
-#}

{% macro recover_datatype(name) %}
    {%- set data = recover_registry_data() -%}
    {%- if name not in data -%}
        {{ exceptions.raise_compiler_error("data type '" ~ name ~ "' is not in the registry (models/staging/_recover__sources.yml)") }}
    {%- endif -%}
    {{ return(data[name]) }}
{% endmacro %}


{#- Parse a scalar spec such as 'string', 'int', 'string as timestamp'. -#}
{% macro recover_scalar(spec) %}
    {%- set parts = spec.split(' as ') -%}
    {%- set json_type = parts[0] | trim -%}
    {%- set defaults = {'string': 'varchar', 'int': 'bigint', 'double': 'double', 'boolean': 'boolean'} -%}
    {%- set curated = (parts[1] | trim) if parts | length > 1 else defaults[json_type] -%}
    {{ return({'json_type': json_type, 'curated': curated}) }}
{% endmacro %}


{#- The kind of a field spec: scalar | struct | array | json | offset_map -#}
{% macro recover_kind(spec) %}
    {%- if spec is string -%}{{ return('scalar') }}
    {%- elif spec is mapping and '$json' in spec -%}{{ return('json') }}
    {%- elif spec is mapping and '$offset_map' in spec -%}{{ return('offset_map') }}
    {%- elif spec is mapping -%}{{ return('struct') }}
    {%- else -%}{{ return('array') }}
    {%- endif -%}
{% endmacro %}


{#- Flatten struct fields into scalar leaves below (root, keys). Arrays and maps are skipped. -#}
{% macro recover_leaves(fields, root, keys, prefix) %}
    {%- set out = [] -%}
    {%- for fname, spec in fields.items() -%}
        {%- set kind = recover_kind(spec) -%}
        {%- set r = root if root else fname -%}
        {%- set k = keys + ([fname] if root else []) -%}
        {%- set colname = (prefix ~ '_' ~ fname) if prefix else fname -%}
        {%- if kind == 'json' -%}
            {%- set spec = spec['$json'] -%}
            {%- set kind = recover_kind(spec) -%}
        {%- endif -%}
        {%- if kind == 'scalar' -%}
            {%- set s = recover_scalar(spec) -%}
            {%- do out.append({'name': colname, 'root': r, 'keys': k, 'json_type': s.json_type, 'curated': s.curated}) -%}
        {%- elif kind == 'struct' -%}
            {%- do out.extend(recover_leaves(spec, r, k, colname)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}


{% macro recover_columns(name) %}
    {{ return(recover_unique_names(recover_leaves(recover_datatype(name)['fields'], none, [], ''))) }}
{% endmacro %}


{#- Column names must be unique case-insensitively (Athena lower-cases them; DuckDB compares
    them case-insensitively): a later leaf whose name collides gets `_2`, `_3`, ...
    (HealthKitV2Workouts has both Metadata.WorkoutName and Metadata.workoutname). -#}
{% macro recover_unique_names(columns) %}
    {%- set seen = {} -%}
    {%- for c in columns -%}
        {%- set key = c.name | lower -%}
        {%- if key in seen -%}
            {%- do seen.update({key: seen[key] + 1}) -%}
            {%- do c.update({'name': c.name ~ '_' ~ seen[key]}) -%}
        {%- else -%}
            {%- do seen.update({key: 1}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}


{#- Arrays and offset maps anywhere below `fields` (struct and $json nesting followed). -#}
{% macro recover_array_specs(fields, root, keys, prefix, parent) %}
    {%- set out = [] -%}
    {%- for fname, spec in fields.items() -%}
        {%- set kind = recover_kind(spec) -%}
        {%- set r = root if root else fname -%}
        {%- set k = keys + ([fname] if root else []) -%}
        {%- set path = (prefix ~ '_' ~ fname) if prefix else fname -%}
        {%- if kind == 'json' -%}
            {%- set spec = spec['$json'] -%}
            {%- set kind = recover_kind(spec) -%}
        {%- endif -%}
        {%- if kind == 'struct' -%}
            {%- do out.extend(recover_array_specs(spec, r, k, path, parent)) -%}
        {%- elif kind == 'array' -%}
            {%- set entry = {'path': path, 'root': r, 'keys': k, 'kind': 'array', 'element': spec[0], 'parent': parent} -%}
            {%- do out.append(entry) -%}
            {%- set element = spec[0] -%}
            {%- if element is mapping and recover_kind(element) == 'struct' -%}
                {#- arrays inside array elements: children of this child, rooted at the element -#}
                {%- do out.extend(recover_array_specs(element, 'elem', [], path, path)) -%}
            {%- endif -%}
        {%- elif kind == 'offset_map' -%}
            {%- set m = spec['$offset_map'] -%}
            {%- do out.append({'path': path, 'root': r, 'keys': k, 'kind': 'offset_map', 'element': none,
                               'value': m['value'], 'value_type': m['type'], 'parent': parent}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}


{% macro recover_arrays(name) %}
    {%- set out = [] -%}
    {%- for a in recover_array_specs(recover_datatype(name)['fields'], none, [], '', none) -%}
        {%- do a.update({'table': 'dataset_' ~ name | lower ~ '_' ~ a.path | lower}) -%}
        {%- do out.append(a) -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}


{% macro recover_array(name, path) %}
    {%- for a in recover_arrays(name) -%}
        {%- if a.path | lower == path | lower -%}{{ return(a) }}{%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("data type '" ~ name ~ "' has no array field '" ~ path ~ "'") }}
{% endmacro %}


{#- Model-name helpers: FitbitSleepLogs -> fitbit_sleep_logs -#}
{% macro recover_snake(name) %}
    {{- return(modules.re.sub('(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])', '_', name) | lower) -}}
{% endmacro %}


{#- Is `name` a data type of the registry? -#}
{% macro recover_has_datatype(name) %}
    {{ return(name in recover_registry_data()) }}
{% endmacro %}
