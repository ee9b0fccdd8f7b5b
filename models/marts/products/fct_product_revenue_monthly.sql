-- One row per goods stock code and month with sales or returns, ranked within the month.
-- Read from the product-day sales and the customer-product months, not the lines.
with

daily as (

    select * from {{ ref('int_product_sales_daily') }}

),

customer_months as (

    select * from {{ ref('int_customer_product_months') }}

),

monthly as (

    select
        stock_code,
        sales_month as revenue_month,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        cast(sum(gross_sales) as decimal(18, 2)) as gross_sales,
        cast(sum(returns) as decimal(18, 2)) as returns,
        cast(sum(net_revenue) as decimal(18, 2)) as net_revenue,
        -- invoices with a sale of the product: an invoice is on one day, so the days'
        -- counts add up to the month's
        sum(orders) as orders
    from daily
    group by 1, 2

),

-- known customers who bought the product in the month
buyers as (

    select
        stock_code,
        purchase_month as revenue_month,
        count(distinct customer_id) as customers
    from customer_months
    group by 1, 2

),

final as (

    select
        monthly.*,
        coalesce(buyers.customers, 0) as customers,
        rank() over (
            partition by monthly.revenue_month order by monthly.net_revenue desc
        ) as rank_in_month
    from monthly
    left join buyers
        on
            monthly.stock_code = buyers.stock_code
            and monthly.revenue_month = buyers.revenue_month

)

select * from final
