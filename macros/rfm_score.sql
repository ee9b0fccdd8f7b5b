{#
    A 1-5 score by quintile of `column` over the rows of the query (`partition_by`: within
    each group), 5 best. score = 1 + floor(5 * percent_rank), capped at 5, where percent_rank
    = (rank - 1) / (rows - 1) and tied values share the lowest rank: equal values always get
    equal scores, and a score is the quintile of the share of rows strictly below the value.
    `descending=true` for measures where smaller is better (recency in days).
#}
{% macro rfm_score(column, descending=false, partition_by=none) -%}
    cast(least(5, 1 + floor(5 * percent_rank() over (
    {%- if partition_by %} partition by {{ partition_by }}{% endif %}
        order by {{ column }} {{ 'desc' if descending else 'asc' }}
    ))) as int)
{%- endmacro %}
