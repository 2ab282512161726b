{#- Spec 6.2 expectations: values (cast to double) within [min_value, max_value] inclusive;
    NULLs and values that are not numbers are ignored (GX semantics). -#}
{% test recover_between(model, column_name, min_value, max_value) %}
select {{ adapter.quote(column_name) }} as failing_value
from {{ model }}
where try_cast({{ adapter.quote(column_name) }} as double) < {{ min_value }}
   or try_cast({{ adapter.quote(column_name) }} as double) > {{ max_value }}
{% endtest %}
