{#-
  `recover_table` (DuckDB only; dbt_project.yml): the intermediate, curated and restricted tables
  of the local target.

  A full build creates the table as dbt-duckdb's `table` materialization does. An incremental
  build (macros/incremental.sql) changes it in place: the model's SQL returns only the rows of
  the keys the build's exports touched, and this materialization, in one transaction,
      deletes the table's rows of every touched key, then
      inserts the recomputed rows,
  so the rows of untouched keys are neither read nor rewritten. The local build works on a
  private copy of the published database, so a build that fails or is killed half-way changes
  nothing readers see (docs/reliability.md). The Athena targets cannot delete from their Hive
  tables: there the model rebuilds the table from its published rows (macros/incremental.sql).

  The touched keys (config `recover_touched`; keys = the data type's index fields):
    'rows'      the keys of the recomputed rows: a de-duplicated model recomputes a row for
                every touched key that has one (the winner over its published and new rows)
    'upstream'  the keys of the de-duplicated rows this build computed (`_run_id`): a curated
                table drops the rows of a key that is now deleted, so its own new rows do not
                name every touched key
-#}
{% materialization recover_table, adapter='duckdb' %}
  {%- if not recover_is_incremental() -%}
    {{ return(materialization_table_duckdb()) }}
  {%- endif -%}
  {%- do recover_previous() -%}  {#- the published table, or the error that names the fix -#}
  {%- set t = recover_layout(config.require('recover_layout')) -%}
  {%- set touched = config.require('recover_touched') -%}
  {%- set recomputed = this.identifier ~ '__recomputed' -%}
  {%- if touched == 'rows' -%}
    {%- set touched_keys = adapter.quote(recomputed) -%}
  {%- elif touched == 'upstream' -%}
    {%- set touched_keys = recover_recomputed_keys(t, ref(t.models.deduplicated)) -%}
  {%- else -%}
    {{ exceptions.raise_compiler_error("recover_touched must be 'rows' or 'upstream', not "
                                       ~ touched) }}
  {%- endif -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('recomputed') -%}
    create or replace temporary table {{ adapter.quote(recomputed) }} as
    {{ sql }}
  {%- endcall %}
  {% call statement('delete_touched') -%}
    delete from {{ this }} as previous
    where exists (
        select 1 from {{ touched_keys }} as touched
        where {{ recover_keys_match(t['index'], 'touched', 'previous') }}
    )
  {%- endcall %}
  {% call statement('main') -%}
    insert into {{ this }} by name select * from {{ adapter.quote(recomputed) }}
  {%- endcall %}
  {% call statement('drop_recomputed') -%}
    drop table {{ adapter.quote(recomputed) }}
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [this]}) }}
{% endmaterialization %}
