{#
    Generic test: every non-null value of the column matches the regular expression
    `pattern` (Java syntax, anchored by the caller). Fails with the offending rows.
#}
{% test matches_pattern(model, column_name, pattern) %}

select {{ column_name }} as failing_value
from {{ model }}
where {{ column_name }} is not null
    and not {{ column_name }} rlike '{{ pattern }}'

{% endtest %}
