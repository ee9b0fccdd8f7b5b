-- One row per sales channel and month, from the channel's first month with sales to the
-- last month of data (months without sales are zero rows), with the customers who also
-- buy in another channel.
with

invoices as (

    select * from {{ ref('int_invoices_aggregated') }}

),

months as (

    select * from {{ ref('int_calendar_months') }}

),

monthly as (

    select
        sales_channel,
        invoice_month as revenue_month,
        sum(gross_sales) as gross_sales,
        sum(returns) as returns,
        sum(net_revenue) as net_revenue,
        sum(contra_revenue) as contra_revenue,
        count_if(is_purchase) as orders,
        count(distinct case when is_purchase then customer_id end) as customers
    from invoices
    group by 1, 2

),

-- known customers' purchases (an order: an invoice with a sale line)
purchases as (

    select distinct
        customer_id,
        sales_channel,
        invoice_month
    from invoices
    where is_purchase and customer_id is not null

),

first_purchases as (

    select
        customer_id,
        sales_channel,
        min(invoice_month) as first_month
    from purchases
    group by 1, 2

),

-- a month's buyers in a channel who had bought in another channel by the month's end
multichannel as (

    select
        purchases.sales_channel,
        purchases.invoice_month as revenue_month,
        count(distinct purchases.customer_id) as multichannel_customers
    from purchases
    inner join first_purchases as elsewhere
        on
            purchases.customer_id = elsewhere.customer_id
            and purchases.sales_channel != elsewhere.sales_channel
            and purchases.invoice_month >= elsewhere.first_month
    group by 1, 2

),

new_customers as (

    select
        sales_channel,
        first_month as revenue_month,
        count(*) as new_customers
    from first_purchases
    group by 1, 2

),

first_months as (

    select
        sales_channel,
        min(revenue_month) as first_month
    from monthly
    group by 1

),

grid as (

    select
        first_months.sales_channel,
        months.calendar_month as revenue_month,
        months.days_in_data,
        months.is_complete_month,
        months.is_first_month
    from first_months
    inner join months
        on first_months.first_month <= months.calendar_month

),

final as (

    select
        grid.sales_channel,
        grid.revenue_month,
        grid.days_in_data,
        grid.is_complete_month,
        cast(coalesce(monthly.gross_sales, 0) as decimal(18, 2)) as gross_sales,
        cast(coalesce(monthly.returns, 0) as decimal(18, 2)) as returns,
        cast(coalesce(monthly.contra_revenue, 0) as decimal(18, 2)) as contra_revenue,
        cast(coalesce(monthly.net_revenue, 0) as decimal(18, 2)) as net_revenue,
        coalesce(monthly.orders, 0) as orders,
        coalesce(monthly.customers, 0) as customers,
        -- left-censored: in the data's first month every existing customer looks new
        case
            when not grid.is_first_month then coalesce(new_customers.new_customers, 0)
        end as new_customers,
        coalesce(multichannel.multichannel_customers, 0) as multichannel_customers,
        {{ average_order_value('monthly.net_revenue', 'monthly.orders') }}
            as average_order_value,
        cast(
            coalesce(monthly.net_revenue, 0)
            / nullif(sum(monthly.net_revenue) over (partition by grid.revenue_month), 0)
            as decimal(9, 6)
        ) as share_of_month_net_revenue
    from grid
    left join monthly
        on
            grid.sales_channel = monthly.sales_channel
            and grid.revenue_month = monthly.revenue_month
    left join new_customers
        on
            grid.sales_channel = new_customers.sales_channel
            and grid.revenue_month = new_customers.revenue_month
    left join multichannel
        on
            grid.sales_channel = multichannel.sales_channel
            and grid.revenue_month = multichannel.revenue_month

)

select * from final
