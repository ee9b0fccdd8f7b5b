-- One row per known customer: where they buy from, when, how much, and how they return.
with

invoices as (

    select * from {{ ref('int_invoices_aggregated') }}

),

customer_invoices as (

    select * from invoices
    where customer_id is not null

),

countries_ranked as (

    select
        customer_id,
        country,
        row_number() over (
            partition by customer_id
            order by count(*) desc, max(invoiced_at) desc, country asc
        ) as country_rank
    from customer_invoices
    group by 1, 2

),

totals as (

    select
        customer_id,
        min(case when is_purchase then invoiced_at end) as first_purchase_at,
        max(case when is_purchase then invoiced_at end) as last_purchase_at,
        min(invoiced_at) as first_seen_at,
        max(invoiced_at) as last_seen_at,
        count_if(is_purchase) as orders,
        count_if(is_cancellation) as cancellations,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        sum(gross_sales) as gross_sales,
        sum(returns) as returns,
        sum(net_revenue) as net_revenue,
        sum(contra_revenue) as contra_revenue,
        sum(postage_income) as postage_income,
        sum(fees_and_charges) as fees_and_charges,
        sum(other_service_amount) as other_service_amount
    from customer_invoices
    group by 1

),

final as (

    select
        totals.customer_id,
        countries_ranked.country,
        totals.first_purchase_at,
        totals.last_purchase_at,
        totals.first_seen_at,
        totals.last_seen_at,
        totals.orders,
        totals.cancellations,
        totals.units_sold,
        totals.units_returned,
        cast(totals.gross_sales as decimal(18, 2)) as gross_sales,
        cast(totals.returns as decimal(18, 2)) as returns,
        cast(totals.net_revenue as decimal(18, 2)) as net_revenue,
        cast(totals.contra_revenue as decimal(18, 2)) as contra_revenue,
        cast(totals.postage_income as decimal(18, 2)) as postage_income,
        cast(totals.fees_and_charges as decimal(18, 2)) as fees_and_charges,
        cast(totals.other_service_amount as decimal(18, 2)) as other_service_amount,
        {{ average_order_value('totals.net_revenue', 'totals.orders') }} as average_order_value,
        cast(-totals.returns / nullif(totals.gross_sales, 0) as decimal(9, 4)) as return_rate,
        datediff(totals.last_purchase_at, totals.first_purchase_at) as tenure_days,
        coalesce(
            totals.units_sold / nullif(totals.orders, 0)
            >= {{ var('wholesale_min_avg_units_per_order') }},
            false
        ) as is_wholesale
    from totals
    inner join countries_ranked
        on
            totals.customer_id = countries_ranked.customer_id
            and countries_ranked.country_rank = 1

)

select * from final
