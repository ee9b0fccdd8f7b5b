{#
    A customer's usual gap between purchases, defined once: their own average gap (days from
    the first to the last purchase ÷ the gaps between their orders), shrunk towards the
    median gap of repeat buyers as if they had `clv_gap_prior_orders` more gaps of that
    length, so a burst of orders in a few days does not become a purchase every day, and a
    one-time buyer gets the median. The churn rule of the customer marts: days since the last
    purchase > `churn_gap_multiple` × this. Used by fct_customer_lifetime_value and
    int_customer_churn_features.
#}
{% macro usual_gap_days(purchase_span_days, orders, median_gap_days) -%}
    ({{ purchase_span_days }} + {{ var('clv_gap_prior_orders') }} * {{ median_gap_days }})
    / ({{ orders }} - 1 + {{ var('clv_gap_prior_orders') }})
{%- endmacro %}
