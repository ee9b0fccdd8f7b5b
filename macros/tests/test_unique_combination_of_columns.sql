{#
    Generic test: no two rows share the same values in `columns` (the grain of the model).
    Our own version of the dbt_utils test, since `dbt deps` cannot reach the package hub here.
#}
{% test unique_combination_of_columns(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as duplicates
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
