-- Every customer with a purchase in staging is in fct_customer_rfm exactly once, and no
-- one else is (when scores are taken as of the end of the data). A row = a customer off.
{{ config(enabled=not var('rfm_as_of')) }}
with

staging as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

buyers as (

    select distinct customer_id
    from staging
    where
        customer_id is not null
        and not is_service_charge
        and not is_adjustment
        and not is_cancellation
        and quantity > 0
        and unit_price_exact > 0

),

rfm_counts as (

    select
        customer_id,
        count(*) as rows_in_rfm
    from rfm
    group by 1

),

final as (

    select
        coalesce(buyers.customer_id, rfm_counts.customer_id) as customer_id,
        buyers.customer_id is not null as is_buyer,
        coalesce(rfm_counts.rows_in_rfm, 0) as rows_in_rfm
    from buyers
    full outer join rfm_counts
        on buyers.customer_id = rfm_counts.customer_id

)

select * from final
where not is_buyer or rows_in_rfm != 1
