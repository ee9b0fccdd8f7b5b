{#
    Average order value, defined once: net revenue ÷ purchase invoices (orders), in
    decimal(18, 2); null when there are no orders. Every mart with an
    `average_order_value` column uses this macro.
#}
{% macro average_order_value(net_revenue, orders) -%}
    cast({{ net_revenue }} / nullif({{ orders }}, 0) as decimal(18, 2))
{%- endmacro %}
