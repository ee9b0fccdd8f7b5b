-- One row per staging line with its revenue components: the one place where gross
-- sales, returns, net revenue and service charges are defined (see `revenue_definitions`).
with

invoice_lines as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

typed as (

    select
        *,
        case
            when is_adjustment then 'adjustment'
            when is_service_charge then 'service'
            when is_cancellation then 'return'
            when quantity > 0 and unit_price_exact > 0 then 'sale'
            else 'stock_note'
        end as line_type
    from invoice_lines

),

final as (

    select
        invoice_line_id,
        invoice_id,
        stock_code,
        customer_id,
        description,
        country,
        sales_channel,
        invoiced_at,
        invoice_date,
        trunc(invoice_date, 'MM') as invoice_month,
        line_type,
        line_type in ('sale', 'return') as is_goods_movement,
        is_cancellation,
        is_adjustment,
        is_service_charge,
        has_customer,
        quantity,
        unit_price,
        line_amount,
        case when line_type = 'sale' then quantity else 0 end as units_sold,
        case when line_type = 'return' then -quantity else 0 end as units_returned,
        case when line_type = 'sale' then line_amount else 0 end as gross_sales,
        case when line_type = 'return' then line_amount else 0 end as returns,
        case when line_type in ('sale', 'return') then line_amount else 0 end as net_revenue,
        case when line_type = 'service' then line_amount else 0 end as service_charges,
        case when line_type = 'adjustment' then line_amount else 0 end as adjustments
    from typed

)

select * from final
