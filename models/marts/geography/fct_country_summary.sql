-- One row per country over the whole period, ranked by net revenue, with its region.
-- Read from the invoices (one row each), not the lines: an invoice is one country's.
with

invoices as (

    select * from {{ ref('int_invoices_aggregated') }}

),

countries as (

    select * from {{ ref('countries') }}

),

totals as (

    select
        country,
        {{ sum_revenue_components() }},
        -- an order: an invoice with a sale line
        count_if(is_purchase) as orders,
        count(distinct case when is_purchase then customer_id end) as customers,
        min(invoice_month) as first_month,
        max(invoice_month) as last_month
    from invoices
    group by 1

),

final as (

    select
        totals.country,
        countries.country_name,
        countries.iso_alpha2,
        countries.iso_alpha3,
        countries.region,
        countries.continent,
        cast(totals.gross_sales as decimal(18, 2)) as gross_sales,
        cast(totals.returns as decimal(18, 2)) as returns,
        cast(totals.net_revenue as decimal(18, 2)) as net_revenue,
        cast(totals.contra_revenue as decimal(18, 2)) as contra_revenue,
        cast(totals.postage_income as decimal(18, 2)) as postage_income,
        cast(totals.fees_and_charges as decimal(18, 2)) as fees_and_charges,
        cast(totals.other_service_amount as decimal(18, 2)) as other_service_amount,
        totals.orders,
        totals.customers,
        {{ average_order_value('totals.net_revenue', 'totals.orders') }} as average_order_value,
        cast(
            totals.net_revenue / nullif(sum(totals.net_revenue) over (), 0) as decimal(9, 6)
        ) as share_of_net_revenue,
        rank() over (order by totals.net_revenue desc) as net_revenue_rank,
        totals.first_month,
        totals.last_month
    from totals
    left join countries
        on totals.country = countries.country

)

select * from final
