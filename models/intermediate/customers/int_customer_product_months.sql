-- One row per known customer, goods product and month in which the customer bought it: the
-- purchase invoices, units and gross sales. The recommender (`retail train`) learns from it,
-- and the product marts count a product's buyers from it.
{{
    config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['purchase_month'],
        on_schema_change='fail',
    )
}}

with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}
    {%- if is_incremental() %}
        -- only the months the valued lines rewrote since this table's last build
        where {{ only_months_rebuilt_in(ref('int_invoice_lines_valued')) }}
    {%- endif %}

),

final as (

    select
        customer_id,
        stock_code,
        invoice_month as purchase_month,
        count(distinct invoice_id) as purchase_invoices,
        sum(units_sold) as units_sold,
        cast(sum(gross_sales) as decimal(18, 2)) as gross_sales,
        current_timestamp() as _built_at
    from lines
    where line_type = 'sale' and customer_id is not null
    group by 1, 2, 3

)

select * from final
