{#- Child rows whose `columns` match no row of the parent `to` (multi-column foreign key). -#}
{% test recover_relationship(model, to, columns) %}
select child.*
from {{ model }} as child
left join {{ to }} as parent
    on {% for c in columns %}child.{{ adapter.quote(c) }} = parent.{{ adapter.quote(c) }}{{ ' and ' if not loop.last }}{% endfor %}
where parent.{{ adapter.quote(columns[0]) }} is null
{% endtest %}
