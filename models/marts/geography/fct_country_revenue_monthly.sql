-- One row per country and month, from the country's first month with sales to the last
-- month of data (months without sales are zero rows, so growth compares real neighbours).
-- Read from the invoices (one row each), not the lines: an invoice is one country's.
with

invoices as (

    select * from {{ ref('int_invoices_aggregated') }}

),

orders as (

    select * from {{ ref('int_customer_orders') }}

),

months as (

    select * from {{ ref('int_calendar_months') }}

),

monthly as (

    -- the components in decimal(18, 2) before any division (see the macro): growth is
    -- rounded once
    select
        country,
        invoice_month as revenue_month,
        {{ sum_revenue_components() }},
        -- an order: an invoice with a sale line
        count_if(is_purchase) as orders,
        count(distinct case when is_purchase then customer_id end) as customers
    from invoices
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
        months.calendar_month as revenue_month,
        months.days_in_data,
        months.is_complete_month,
        months.is_first_month
    from first_months
    inner join months
        on first_months.first_month <= months.calendar_month

),

filled as (

    select
        grid.country,
        grid.revenue_month,
        grid.days_in_data,
        grid.is_complete_month,
        grid.is_first_month,
        coalesce(monthly.gross_sales, 0) as gross_sales,
        coalesce(monthly.returns, 0) as returns,
        coalesce(monthly.net_revenue, 0) as net_revenue,
        coalesce(monthly.contra_revenue, 0) as contra_revenue,
        coalesce(monthly.postage_income, 0) as postage_income,
        coalesce(monthly.fees_and_charges, 0) as fees_and_charges,
        coalesce(monthly.other_service_amount, 0) as other_service_amount,
        coalesce(monthly.orders, 0) as orders,
        coalesce(monthly.customers, 0) as customers,
        -- left-censored: in the data's first month every existing customer looks new
        case
            when not grid.is_first_month then coalesce(new_customers.new_customers, 0)
        end as new_customers
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
        days_in_data,
        is_complete_month,
        is_first_month,
        cast(gross_sales as decimal(18, 2)) as gross_sales,
        cast(returns as decimal(18, 2)) as returns,
        cast(net_revenue as decimal(18, 2)) as net_revenue,
        cast(contra_revenue as decimal(18, 2)) as contra_revenue,
        cast(postage_income as decimal(18, 2)) as postage_income,
        cast(fees_and_charges as decimal(18, 2)) as fees_and_charges,
        cast(other_service_amount as decimal(18, 2)) as other_service_amount,
        orders,
        customers,
        new_customers,
        {{ average_order_value('net_revenue', 'orders') }} as average_order_value,
        cast(
            net_revenue / nullif(sum(net_revenue) over (partition by revenue_month), 0)
            as decimal(9, 6)
        ) as share_of_month_net_revenue,
        -- growth compares complete months only: a partial month (the data's last, say)
        -- against a whole one is not growth
        case
            when is_complete_month and lag(is_complete_month) over by_month
                then cast(
                    (net_revenue - lag(net_revenue) over by_month)
                    / nullif(abs(lag(net_revenue) over by_month), 0)
                    as decimal(12, 4)
                )
        end as mom_growth,
        case
            when is_complete_month and lag(is_complete_month, 12) over by_month
                then cast(
                    (net_revenue - lag(net_revenue, 12) over by_month)
                    / nullif(abs(lag(net_revenue, 12) over by_month), 0)
                    as decimal(12, 4)
                )
        end as yoy_growth
    from filled
    window by_month as (partition by country order by revenue_month)

)

select * from final
