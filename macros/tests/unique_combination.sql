{#- Rows whose combination of `columns` is not unique (NULLs compare equal, as in de-dup). -#}
{% test recover_unique_combination(model, columns) %}
select
    {% for c in columns %}{{ adapter.quote(c) }}, {% endfor %}
    count(*) as occurrences
from {{ model }}
group by {% for c in columns %}{{ adapter.quote(c) }}{{ ', ' if not loop.last }}{% endfor %}
having count(*) > 1
{% endtest %}
