{#-
  The local raw tables (on-run-start): on the DuckDB target, schema `{ns}_raw` gets one view per
  registry data type over the raw files of the *committed* exports only, listed from their
  commit records ({lake}/{ns}/raw/_exports/{cohort}/{export}.json; recover/ingest/commits.py):
  an export that is still landing, or whose ingest died, is invisible; an incremental build
  (macros/incremental.sql) lists only the exports of its scope. Columns:
    line       one line of the raw NDJSON, as text (staging parses it)
    filename   the raw file's path
    cohort     from its `cohort=` folder
    export     the export's id, from its `export=` folder
    _row       the line's position in the view's scan (files in list order): the raw profile
               turns it into a 1-based line number for rejected lines
  A type without committed files gets a view with the same columns and no rows. Paths are SQL
  literals with glob characters escaped, so any lake path works. On Athena the raw tables are
  Glue tables whose partitions the ingest registers at commit (recover/aws/glue_catalog.py).
-#}
{% macro recover_prepare_raw() %}{{ return(adapter.dispatch('recover_prepare_raw', 'recover')()) }}{% endmacro %}

{% macro default__recover_prepare_raw() %}{% endmacro %}

{% macro duckdb__recover_prepare_raw() %}
{%- if execute -%}
{%- set lake = env_var('RECOVER_LAKE', 'lake') | replace('\\', '/') -%}
{%- set ns = target.schema -%}
{%- set records = recover_glob_escape(lake ~ '/' ~ ns ~ '/raw/_exports') ~ '/*/*.json' -%}
{%- set files = {} -%}
{%- if run_query("select count(*) from glob(" ~ recover_sql_literal(records) ~ ")").rows[0][0] > 0 -%}
    {%- set listed = run_query(
        "select cohort, export_id, m.data_type, m.key from (select cohort, export_id, "
        ~ "unnest(members) as m from read_json(" ~ recover_sql_literal(records) ~ ", "
        ~ "format = 'auto', columns = {'cohort': 'VARCHAR', 'export_id': 'VARCHAR', "
        ~ "'members': 'STRUCT(data_type VARCHAR, key VARCHAR)[]'})) order by 3, 4") -%}
    {%- set scope = recover_scope() -%}
    {%- for cohort, export_id, data_type, key in listed.rows -%}
        {%- if scope is none or (cohort ~ '/' ~ export_id) in scope -%}
            {%- do files.setdefault(data_type, []).append(lake ~ '/' ~ key) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- do run_query('create schema if not exists ' ~ adapter.quote(ns ~ '_raw')) -%}
{%- for name in recover_registry()['types'] -%}
    {%- set t = recover_layout(name) -%}
    {%- do run_query(recover_raw_view_sql(ns ~ '_raw', t.identifier, files.get(name, []))) -%}
{%- endfor -%}
{%- endif -%}
{% endmacro %}


{% macro recover_raw_view_sql(schema, identifier, files) -%}
create or replace view {{ adapter.quote(schema) }}.{{ adapter.quote(identifier) }} as
{%- if not files %}
select cast(null as varchar) as line, cast(null as varchar) as filename,
       cast(null as varchar) as cohort, cast(null as varchar) as export,
       cast(null as bigint) as _row
where false
{%- else %}
{%- set parts = "'/cohort=([^/]+)/export=([^/]+)/[^/]+$'" %}
select line, filename,
       regexp_extract(filename, {{ parts }}, 1) as cohort,
       regexp_extract(filename, {{ parts }}, 2) as export,
       row_number() over () as _row
from read_csv(
    [{% for f in files %}{{ recover_sql_literal(recover_glob_escape(f)) }}{{ ', ' if not loop.last }}{% endfor %}],
    {#- one line per row: a 4-byte delimiter valid JSON never holds (control characters are
        escaped in JSON strings), no quoting, no comments, `\n` or `\r\n` line ends -#}
    columns = {'line': 'VARCHAR'}, delim = chr(1) || chr(2) || chr(3) || chr(4), quote = '',
    escape = '', header = false, auto_detect = false, comment = '', new_line = '\r\n',
    strict_mode = false, max_line_size = 67108864, compression = 'gzip', filename = true,
    {#- DuckDB's buffer defaults to 16 times the longest line (1 GiB): one is enough -#}
    buffer_size = 67108864
)
{%- endif %}
{%- endmacro %}


{#- A path for DuckDB's file readers, which glob every name they are given: `[`, `*` and `?`
    are made literal (`[[]`, `[*]`, `[?]`). -#}
{% macro recover_glob_escape(path) -%}
    {{- path | replace('[', '[[]') | replace('*', '[*]') | replace('?', '[?]') -}}
{%- endmacro %}


{% macro recover_sql_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}
