-- One row per customer with at least one purchase up to the as-of date: recency,
-- frequency and monetary value, their 1-5 scores, the RFM cell and its segment.
with

invoices as (

    select * from {{ ref('int_invoices_aggregated') }}

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

as_of as (

    {{ rfm_as_of_date('invoices') }}

),

customer_values as (

    select
        invoices.customer_id,
        any_value(as_of.as_of_date) as as_of_date,
        max(case when invoices.is_purchase then invoices.invoice_date end)
            as last_purchase_date,
        count_if(invoices.is_purchase) as frequency,
        sum(invoices.net_revenue) as monetary
    from invoices
    cross join as_of
    where
        invoices.customer_id is not null
        and invoices.invoice_date < as_of.as_of_date
    group by 1
    having count_if(invoices.is_purchase) > 0

),

measured as (

    select
        *,
        datediff(as_of_date, last_purchase_date) as recency_days
    from customer_values

),

scored as (

    select
        *,
        {{ rfm_score('recency_days', descending=true) }} as r_score,
        {{ rfm_score('frequency') }} as f_score,
        {{ rfm_score('monetary') }} as m_score
    from measured

),

final as (

    select
        scored.customer_id,
        scored.as_of_date,
        scored.last_purchase_date,
        scored.recency_days,
        scored.frequency,
        cast(scored.monetary as decimal(18, 2)) as monetary,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        segments.rfm_cell,
        segments.rfm_segment
    from scored
    inner join segments
        on
            scored.r_score = segments.r_score
            and scored.f_score = segments.f_score
            and scored.m_score = segments.m_score

)

select * from final
