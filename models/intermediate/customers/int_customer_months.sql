-- One row per known customer and calendar month: purchases, net revenue and last purchase
-- date in that month, zero-filled from the customer's first month of activity to the last
-- month of data, with running totals: the base of the monthly RFM snapshots and cohorts.
with

invoices as (

    select * from {{ ref('int_invoices_aggregated') }}

),

months as (

    select * from {{ ref('int_calendar_months') }}

),

customer_invoices as (

    select * from invoices
    where customer_id is not null

),

activity as (

    select
        customer_id,
        invoice_month as calendar_month,
        count_if(is_purchase) as orders,
        sum(net_revenue) as net_revenue,
        sum(gross_sales) as gross_sales,
        sum(returns) as returns,
        min(case when is_purchase then invoice_date end) as first_purchase_date,
        max(case when is_purchase then invoice_date end) as last_purchase_date
    from customer_invoices
    group by 1, 2

),

first_months as (

    select
        customer_id,
        min(calendar_month) as first_active_month
    from activity
    group by 1

),

grid as (

    select
        first_months.customer_id,
        months.calendar_month,
        months.month_end,
        months.data_end_date,
        months.is_complete_month,
        months.is_first_month
    from first_months
    inner join months
        on first_months.first_active_month <= months.calendar_month

),

final as (

    select
        grid.customer_id,
        grid.calendar_month,
        grid.month_end,
        grid.data_end_date,
        grid.is_complete_month,
        grid.is_first_month,
        coalesce(activity.orders, 0) as orders,
        coalesce(activity.net_revenue, 0) as net_revenue,
        coalesce(activity.gross_sales, 0) as gross_sales,
        coalesce(activity.returns, 0) as returns,
        activity.first_purchase_date,
        activity.last_purchase_date,
        sum(coalesce(activity.orders, 0)) over customer_to_date as orders_to_date,
        sum(coalesce(activity.net_revenue, 0)) over customer_to_date as net_revenue_to_date,
        sum(coalesce(activity.gross_sales, 0)) over customer_to_date as gross_sales_to_date,
        sum(coalesce(activity.returns, 0)) over customer_to_date as returns_to_date,
        min(activity.first_purchase_date) over customer_to_date as first_purchase_date_to_date,
        max(activity.last_purchase_date) over customer_to_date as last_purchase_date_to_date
    from grid
    left join activity
        on
            grid.customer_id = activity.customer_id
            and grid.calendar_month = activity.calendar_month
    window customer_to_date as (
        partition by grid.customer_id
        order by grid.calendar_month
        rows between unbounded preceding and current row
    )

)

select * from final
