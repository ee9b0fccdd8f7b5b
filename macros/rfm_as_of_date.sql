{#
    The date customer measures are taken as of: `var('rfm_as_of')` when set, else the day
    after the last invoice in `invoices` (a relation or CTE with an `invoice_date` column).
    Returns a one-row, one-column (`as_of_date`) select.
#}
{% macro rfm_as_of_date(invoices) -%}
    {%- if var('rfm_as_of') -%}
        select to_date('{{ var("rfm_as_of") }}') as as_of_date
    {%- else -%}
        select date_add(max(invoice_date), 1) as as_of_date
        from {{ invoices }}
    {%- endif -%}
{%- endmacro %}
