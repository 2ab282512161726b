{#- Rows of a monitor model whose `column_name` (a count) is above zero. -#}
{% test recover_all_zero(model, column_name) %}
select * from {{ model }} where {{ adapter.quote(column_name) }} > 0
{% endtest %}
