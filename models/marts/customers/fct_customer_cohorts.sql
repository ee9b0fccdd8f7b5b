-- Monthly acquisition cohorts: one row per cohort month (the month of a customer's first
-- purchase) and months since it, with active customers, retention and revenue.
with

orders as (

    select * from {{ ref('int_customer_orders') }}

),

customer_months as (

    select * from {{ ref('int_customer_months') }}

),

cohorts as (

    select
        customer_id,
        invoice_month as cohort_month
    from orders
    where order_number = 1

),

cohort_activity as (

    select
        cohorts.cohort_month,
        cast(months_between(customer_months.calendar_month, cohorts.cohort_month) as int)
            as months_since_first_purchase,
        customer_months.customer_id,
        customer_months.is_complete_month,
        customer_months.is_first_month,
        customer_months.orders,
        customer_months.net_revenue
    from cohorts
    inner join customer_months
        on
            cohorts.customer_id = customer_months.customer_id
            and cohorts.cohort_month <= customer_months.calendar_month

),

aggregated as (

    select
        cohort_month,
        months_since_first_purchase,
        -- the activity month's coverage, and whether the cohort is the data's first month
        bool_and(is_complete_month) as is_complete_month,
        bool_and(is_first_month) as is_first_month,
        count(*) as cohort_customers,
        count_if(orders > 0) as active_customers,
        sum(net_revenue) as net_revenue
    from cohort_activity
    group by 1, 2

),

final as (

    select
        cohort_month,
        months_since_first_purchase,
        add_months(cohort_month, months_since_first_purchase) as activity_month,
        is_complete_month,
        -- left-censored: the data's first month holds every customer who bought then, not
        -- only the new ones
        bool_or(months_since_first_purchase = 0 and is_first_month)
            over (partition by cohort_month) as is_left_censored,
        cohort_customers,
        active_customers,
        -- a partial month (the data's last) would show a false drop in retention
        case
            when is_complete_month
                then cast(active_customers / cohort_customers as decimal(9, 4))
        end as retention_rate,
        cast(net_revenue as decimal(18, 2)) as net_revenue,
        cast(
            sum(net_revenue) over (
                partition by cohort_month
                order by months_since_first_purchase
                rows between unbounded preceding and current row
            ) / cohort_customers as decimal(18, 2)
        ) as cumulative_revenue_per_customer
    from aggregated

)

select * from final
