{#
    The revenue components of int_invoice_lines_valued (defined there once), summed over a
    group and cast to money, decimal(18, 2): what the country marts report. Cast before any
    division: a sum of sums is decimal(38, 2), whose quotients Spark rounds to 6 places
    before a cast to fewer would round again; from decimal(18, 2) shares and growth are
    computed at full scale and rounded once.
#}
{% macro sum_revenue_components() -%}
    {%- for column in [
        'gross_sales', 'returns', 'net_revenue', 'contra_revenue', 'postage_income',
        'fees_and_charges', 'other_service_amount'
    ] %}
    cast(sum({{ column }}) as decimal(18, 2)) as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
