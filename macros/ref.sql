{#- `ref` on Athena, where a build writes into candidate schemas (`{ns}_candidate`,
    `{ns}_intermediate_candidate`, ...) that `recover build` publishes only when everything
    passed (macros/generate_schema_name.sql). A model this run builds is read from its candidate
    (dbt builds it first); a model the run does not build (`--select` leaves it out) has no
    candidate, and is read where readers see it: the published schema. Elsewhere, dbt's own. -#}
{% macro ref() %}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- if execute and target.type == 'athena' and relation.schema is defined
          and relation.schema is string and relation.schema.endswith('_candidate') -%}
        {%- set built = adapter.get_relation(database=relation.database, schema=relation.schema,
                                             identifier=relation.identifier) -%}
        {%- if built is none -%}
            {%- set published = relation.schema[:-('_candidate' | length)] -%}
            {%- do return(relation.incorporate(path={'schema': published})) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do return(relation) -%}
{% endmacro %}
