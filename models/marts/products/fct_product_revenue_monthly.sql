-- One row per goods stock code and month with sales or returns, ranked within the month.
with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

),

monthly as (

    select
        stock_code,
        invoice_month as revenue_month,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        cast(sum(gross_sales) as decimal(18, 2)) as gross_sales,
        cast(sum(returns) as decimal(18, 2)) as returns,
        cast(sum(net_revenue) as decimal(18, 2)) as net_revenue,
        count(distinct case when line_type = 'sale' then invoice_id end) as orders,
        count(distinct case when line_type = 'sale' then customer_id end) as customers
    from lines
    where is_goods_movement
    group by 1, 2

),

final as (

    select
        *,
        rank() over (partition by revenue_month order by net_revenue desc) as rank_in_month
    from monthly

)

select * from final
