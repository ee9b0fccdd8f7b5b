-- One row per purchase invoice of a known customer, numbered in time, with the gap since
-- the customer's previous purchase: the order history that RFM, cohorts and CLV share.
with

invoices as (

    select * from {{ ref('int_invoices_aggregated') }}

),

purchases as (

    select
        customer_id,
        invoice_id,
        invoiced_at,
        invoice_date,
        invoice_month,
        country,
        sales_channel,
        units_sold,
        gross_sales
    from invoices
    where is_purchase and customer_id is not null

),

final as (

    select
        *,
        row_number() over (
            partition by customer_id order by invoiced_at, invoice_id
        ) as order_number,
        lag(invoice_date) over (
            partition by customer_id order by invoiced_at, invoice_id
        ) as previous_order_date,
        datediff(
            invoice_date,
            lag(invoice_date) over (partition by customer_id order by invoiced_at, invoice_id)
        ) as days_since_previous_order
    from purchases

)

select * from final
