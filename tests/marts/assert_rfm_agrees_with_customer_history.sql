-- With the default as-of date (the day after the last invoice), each customer's RFM
-- frequency is their number of purchases and recency counts from their last purchase, as
-- dim_customers derives them independently; the as-of date is the day after the data's
-- last invoice. Fails when RFM counts a cancellation as a purchase, drops an invoice, or
-- measures recency from the wrong date. A row = a customer whose RFM is off.
{{ config(enabled=not var('rfm_as_of')) }}

with

rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

staging as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

data_end as (

    select max(invoice_date) as last_date
    from staging

),

final as (

    select
        rfm.customer_id,
        rfm.frequency,
        customers.orders,
        rfm.recency_days,
        datediff(date_add(data_end.last_date, 1), to_date(customers.last_purchase_at))
            as expected_recency_days
    from rfm
    inner join customers
        on rfm.customer_id = customers.customer_id
    cross join data_end

)

select * from final
where
    frequency != orders
    or recency_days != expected_recency_days
