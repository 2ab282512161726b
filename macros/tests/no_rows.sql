{#- Every row of the model fails: for monitor tables that must stay empty (rejected records,
    unknown JSON paths), reported at the severity the YAML gives. -#}
{% test recover_no_rows(model) %}
select * from {{ model }}
{% endtest %}
