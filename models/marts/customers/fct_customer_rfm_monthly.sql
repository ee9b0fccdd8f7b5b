-- The RFM scores at every month end: one row per customer with a purchase by then and
-- month end, with the segment the customer was in the month before, to chart migration
-- (who moved from Champions to At Risk). Scored within each month end, as `fct_customer_rfm`.
with

customer_months as (

    select * from {{ ref('int_customer_months') }}

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

measured as (

    select
        customer_id,
        month_end,
        is_complete_month,
        -- a partial month (the data's last) is scored as of the day after the data ends,
        -- not after the month ends, so recency is not inflated by days without data
        date_add(least(month_end, data_end_date), 1) as as_of_date,
        last_purchase_date_to_date as last_purchase_date,
        datediff(date_add(least(month_end, data_end_date), 1), last_purchase_date_to_date)
            as recency_days,
        orders_to_date as frequency,
        net_revenue_to_date as monetary
    from customer_months
    where orders_to_date > 0

),

scored as (

    select
        *,
        {{ rfm_score('recency_days', descending=true, partition_by='month_end') }} as r_score,
        {{ rfm_score('frequency', partition_by='month_end') }} as f_score,
        {{ rfm_score('monetary', partition_by='month_end') }} as m_score
    from measured

),

final as (

    select
        scored.customer_id,
        scored.month_end,
        scored.is_complete_month,
        scored.as_of_date,
        scored.last_purchase_date,
        scored.recency_days,
        scored.frequency,
        cast(scored.monetary as decimal(18, 2)) as monetary,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        segments.rfm_cell,
        segments.rfm_segment,
        lag(segments.rfm_segment) over (
            partition by scored.customer_id order by scored.month_end
        ) as previous_rfm_segment
    from scored
    inner join segments
        on
            scored.r_score = segments.r_score
            and scored.f_score = segments.f_score
            and scored.m_score = segments.m_score

)

select * from final
