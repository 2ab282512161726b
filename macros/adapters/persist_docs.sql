{#- Athena: persist model and column descriptions to Glue, matching columns case-insensitively.

    dbt-athena's own athena__persist_docs hands the model to adapter.persist_docs_to_glue, which
    looks each Glue column name up in the model's documented columns as written. Glue stores
    column names in lower case and this project documents them as the registry spells them
    (`ParticipantIdentifier`), so no description of a mixed-case column would ever reach Glue.
    Same steps as dbt-athena's macro, with the documented column names lower-cased first. -#}
{% macro athena__persist_docs(relation, model, for_relation=true, for_columns=true) -%}
  {%- set persist_relation_docs = for_relation and config.persist_relation_docs() -%}
  {%- set persist_column_docs = for_columns and config.persist_column_docs() and model.columns -%}
  {%- if persist_column_docs -%}
    {%- set existing_columns = adapter.get_columns_in_relation(relation) | map(attribute="name") | list -%}
    {%- do validate_doc_columns(relation, model.columns, existing_columns) -%}
  {%- endif -%}
  {%- if persist_relation_docs or persist_column_docs -%}
    {%- set columns = {} -%}
    {%- for name, column in model.columns.items() -%}
      {%- do columns.update({name | lower: column}) -%}
    {%- endfor -%}
    {%- set glue_model = {} -%}
    {%- do glue_model.update(model) -%}
    {%- do glue_model.update({'columns': columns}) -%}
    {%- do adapter.persist_docs_to_glue(
            relation=relation,
            model=glue_model,
            persist_relation_docs=persist_relation_docs,
            persist_column_docs=persist_column_docs,
            skip_archive_table_version=true
         ) -%}
  {%- endif -%}
{%- endmacro %}
