-- One row per known customer, goods product and month in which the customer bought it: the
-- purchase invoices, units and gross sales. The recommender (`retail train`) learns from it.
with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

),

final as (

    select
        customer_id,
        stock_code,
        invoice_month as purchase_month,
        count(distinct invoice_id) as purchase_invoices,
        sum(units_sold) as units_sold,
        cast(sum(gross_sales) as decimal(18, 2)) as gross_sales
    from lines
    where line_type = 'sale' and customer_id is not null
    group by 1, 2, 3

)

select * from final
