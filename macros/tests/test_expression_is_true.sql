{#
    Generic test: the boolean SQL `expression` holds on every row of the model (rows where
    it is false or null fail). Declared on a column or a model alike. Our own, since `dbt deps` cannot reach the package hub here.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
