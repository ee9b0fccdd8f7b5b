-- Historical value and a predicted value over the next `clv_horizon_days` per customer
-- with a purchase before the as-of date, from a simple documented model (see
-- `customer_lifetime_value`), and a churn-risk flag. Only invoices before the as-of date
-- count, so a past as-of date sees no future orders or revenue.
with

-- read by rfm_as_of_date() unless var('rfm_as_of') fixes the date
invoices as (

    select * from {{ ref('int_invoices_aggregated') }}

),

as_of as (

    {{ rfm_as_of_date('invoices') }}

),

history as (

    select
        invoices.customer_id,
        any_value(as_of.as_of_date) as as_of_date,
        min(case when invoices.is_purchase then invoices.invoiced_at end) as first_purchase_at,
        max(case when invoices.is_purchase then invoices.invoiced_at end) as last_purchase_at,
        count_if(invoices.is_purchase) as orders,
        sum(invoices.net_revenue) as net_revenue
    from invoices
    cross join as_of
    where
        invoices.customer_id is not null
        and invoices.invoice_date < as_of.as_of_date
    group by 1
    having count_if(invoices.is_purchase) > 0

),

buyers as (

    select
        customer_id,
        as_of_date,
        to_date(first_purchase_at) as first_purchase_date,
        to_date(last_purchase_at) as last_purchase_date,
        orders,
        net_revenue,
        {{ average_order_value('net_revenue', 'orders') }} as average_order_value,
        datediff(last_purchase_at, first_purchase_at) as tenure_days,
        datediff(as_of_date, to_date(last_purchase_at)) as recency_days
    from history

),

typical as (

    select percentile_approx(tenure_days / (orders - 1), 0.5) as median_gap_days
    from buyers
    where orders >= 2 and tenure_days > 0

),

modelled as (

    select
        buyers.*,
        typical.median_gap_days,
        -- shrunk towards the median gap of repeat buyers (see the macro)
        {{ usual_gap_days('buyers.tenure_days', 'buyers.orders', 'typical.median_gap_days') }}
            as usual_gap_days,
        buyers.orders < 2 or buyers.tenure_days = 0 as is_gap_assumed
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
        cast(net_revenue as decimal(18, 2)) as historical_net_revenue,
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
