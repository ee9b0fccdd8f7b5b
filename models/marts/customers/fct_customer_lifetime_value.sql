-- Historical value and a predicted value over the next `clv_horizon_days` per customer
-- with a purchase, from a simple documented model (see `customer_lifetime_value`), and
-- a churn-risk flag.
with

customers as (

    select * from {{ ref('dim_customers') }}

),

-- read by rfm_as_of_date() unless var('rfm_as_of') fixes the date
invoices as (  -- noqa: ST03

    select * from {{ ref('int_invoices_aggregated') }}

),

as_of as (

    {{ rfm_as_of_date('invoices') }}

),

buyers as (

    select
        customers.customer_id,
        as_of.as_of_date,
        to_date(customers.first_purchase_at) as first_purchase_date,
        to_date(customers.last_purchase_at) as last_purchase_date,
        customers.orders,
        customers.net_revenue,
        customers.average_order_value,
        datediff(customers.last_purchase_at, customers.first_purchase_at) as tenure_days,
        datediff(as_of.as_of_date, to_date(customers.last_purchase_at)) as recency_days,
        case
            when customers.orders >= 2
                then
                    datediff(customers.last_purchase_at, customers.first_purchase_at)
                    / (customers.orders - 1)
        end as own_gap_days
    from customers
    cross join as_of
    where customers.orders > 0

),

typical as (

    select percentile_approx(own_gap_days, 0.5) as median_gap_days
    from buyers
    where own_gap_days > 0

),

modelled as (

    select
        buyers.*,
        -- one-order customers (and same-day repeaters) take the median gap of repeat buyers
        case when buyers.own_gap_days > 0 then buyers.own_gap_days else typical.median_gap_days end
            as usual_gap_days,
        buyers.own_gap_days is null or buyers.own_gap_days <= 0 as is_gap_assumed
    from buyers
    cross join typical

),

final as (

    select
        customer_id,
        as_of_date,
        first_purchase_date,
        last_purchase_date,
        orders,
        tenure_days,
        recency_days,
        net_revenue as historical_net_revenue,
        average_order_value,
        cast(usual_gap_days as decimal(10, 1)) as usual_gap_days,
        is_gap_assumed,
        cast(
            exp(-recency_days / ({{ var('churn_gap_multiple') }} * usual_gap_days))
            as decimal(9, 4)
        ) as probability_active,
        cast(
            greatest(average_order_value, 0)
            * ({{ var('clv_horizon_days') }} / usual_gap_days)
            * exp(-recency_days / ({{ var('churn_gap_multiple') }} * usual_gap_days))
            as decimal(18, 2)
        ) as predicted_net_revenue,
        recency_days > {{ var('churn_gap_multiple') }} * usual_gap_days as is_churn_risk
    from modelled

)

select * from final
