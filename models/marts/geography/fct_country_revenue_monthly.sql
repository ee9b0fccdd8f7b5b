-- One row per country and month, from the country's first month with sales to the last
-- month of data (months without sales are zero rows, so growth compares real neighbours).
with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

),

orders as (

    select * from {{ ref('int_customer_orders') }}

),

months as (

    select * from {{ ref('int_calendar_months') }}

),

monthly as (

    select
        country,
        invoice_month as revenue_month,
        sum(gross_sales) as gross_sales,
        sum(returns) as returns,
        sum(net_revenue) as net_revenue,
        sum(service_charges) as service_charges,
        count(distinct case when line_type = 'sale' then invoice_id end) as orders,
        count(distinct case when line_type = 'sale' then customer_id end) as customers
    from lines
    group by 1, 2

),

new_customers as (

    select
        country,
        invoice_month as revenue_month,
        count(*) as new_customers
    from orders
    where order_number = 1
    group by 1, 2

),

first_months as (

    select
        country,
        min(revenue_month) as first_month
    from monthly
    group by 1

),

grid as (

    select
        first_months.country,
        months.calendar_month as revenue_month
    from first_months
    inner join months
        on first_months.first_month <= months.calendar_month

),

filled as (

    select
        grid.country,
        grid.revenue_month,
        coalesce(monthly.gross_sales, 0) as gross_sales,
        coalesce(monthly.returns, 0) as returns,
        coalesce(monthly.net_revenue, 0) as net_revenue,
        coalesce(monthly.service_charges, 0) as service_charges,
        coalesce(monthly.orders, 0) as orders,
        coalesce(monthly.customers, 0) as customers,
        coalesce(new_customers.new_customers, 0) as new_customers
    from grid
    left join monthly
        on
            grid.country = monthly.country
            and grid.revenue_month = monthly.revenue_month
    left join new_customers
        on
            grid.country = new_customers.country
            and grid.revenue_month = new_customers.revenue_month

),

final as (

    select
        country,
        revenue_month,
        gross_sales,
        returns,
        net_revenue,
        service_charges,
        orders,
        customers,
        new_customers,
        cast(gross_sales / nullif(orders, 0) as decimal(18, 2)) as average_order_value,
        cast(
            net_revenue / nullif(sum(net_revenue) over (partition by revenue_month), 0)
            as decimal(9, 6)
        ) as share_of_month_net_revenue,
        cast(
            (net_revenue - lag(net_revenue) over by_month)
            / nullif(abs(lag(net_revenue) over by_month), 0)
            as decimal(12, 4)
        ) as mom_growth,
        cast(
            (net_revenue - lag(net_revenue, 12) over by_month)
            / nullif(abs(lag(net_revenue, 12) over by_month), 0)
            as decimal(12, 4)
        ) as yoy_growth
    from filled
    window by_month as (partition by country order by revenue_month)

)

select * from final
