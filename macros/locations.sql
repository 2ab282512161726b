{#-
  Where Athena tables keep their data (docs/deploy.md, "Lake layout on S3"):
    s3://{bucket}/{ns}/parquet/{table}/{run_id}/   a table readers see, one folder per build:
                                                   the build writes it in the candidate schema,
                                                   publishing points {ns}.{table} at it
    s3://{bucket}/{ns}/restricted/{table}/{run_id}/  personal data (schema {ns}_restricted)
    s3://{bucket}/{ns}/work/{table}/{run_id}/      an intermediate table (schema {ns}_intermediate),
                                                   one folder per build, published the same way
    s3://{bucket}/{ns}/raw/...                     the ingest's, never touched by dbt
  The run id is recover build's (RECOVER_RUN_ID); plain dbt writes `dbt-{invocation_id}`.
-#}
{% macro recover_published_location(table, area='parquet') -%}
    {{- 's3://' ~ env_var('RECOVER_BUCKET', 'unset') ~ '/' ~ target.schema ~ '/' ~ area ~ '/' ~ table ~ '/'
        ~ env_var('RECOVER_RUN_ID', 'dbt-' ~ invocation_id) ~ '/' -}}
{%- endmacro %}


{#- Settings of a table readers see that is not a curated table (monitoring). -#}
{% macro recover_published_config() %}
    {%- if target.type == 'athena' -%}
        {{ config(format='parquet', table_type='hive',
                  external_location=recover_published_location(model.name)) }}
    {%- endif -%}
{% endmacro %}


{#- Settings of a helper table (schema `{ns}_intermediate`, data under {ns}/work/): on Athena
    built in `{ns}_intermediate_candidate` and published with the build, since an incremental
    build starts from the published intermediate tables (macros/incremental.sql). -#}
{% macro recover_helper_config() %}
    {{ config(schema='intermediate') }}
    {%- if target.type == 'athena' -%}
        {{ config(format='parquet', table_type='hive',
                  external_location=recover_published_location(model.name, 'work')) }}
    {%- endif -%}
{% endmacro %}
