{#- Raw files whose share of rejected lines exceeds `max_share` (a fraction of the file's lines:
    dbt var `recover_max_rejected_share`, else env RECOVER_MAX_REJECTED_SHARE, else 0.05): one
    failing row per file. Applied to the raw profiles with severity error, so a member that is
    mostly not JSON fails the build instead of publishing a table missing most of its rows. -#}
{% test recover_rejected_share(model, max_share=none) %}
{%- set share = max_share if max_share is not none else
    var('recover_max_rejected_share', env_var('RECOVER_MAX_REJECTED_SHARE', '0.05')) | float %}
select data_type, source_path, records, rejected
from {{ model }}
where fact = 'file' and rejected > {{ share }} * (records + rejected)
{% endtest %}
