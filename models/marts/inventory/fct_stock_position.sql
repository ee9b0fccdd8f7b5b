-- One row per stock code × location at the latest snapshot: stock, value, demand, cover,
-- and what to do: `stock_status` with the quantity short or in surplus (see `stock_status`).
with

measured as (

    select * from {{ ref('int_stock_positions_measured') }}

),

needs as (

    select
        *,
        -- weeks of stock the location must hold: its lead time plus safety stock
        lead_time_days / 7.0 + {{ var('safety_weeks') }} as need_weeks,
        -- what the stock is judged against for surplus: the forecast, or last year's same
        -- weeks when they sold more (a seasonal product off-season)
        greatest(forecast_weekly_demand, seasonal_weekly_demand) as expected_weekly_demand
    from measured

),

classified as (

    select
        *,
        case
            when
                on_hand_qty > 0
                and days_idle > {{ var('dead_stock_days') }}
                and seasonal_weekly_demand = 0
                then 'dead_stock'
            -- never sold here and not yet idle long enough to be dead: too new to judge
            when on_hand_qty > 0 and last_sale_date is null then 'awaiting_first_sale'
            when
                forecast_weekly_demand > 0
                and on_hand_qty < need_weeks * forecast_weekly_demand
                then 'shortage'
            when
                on_hand_qty > 0
                and on_hand_qty > {{ var('surplus_weeks_of_cover') }} * expected_weekly_demand
                then 'surplus'
            else 'healthy'
        end as rule_status
    from needs

),

surplus_measured as (

    select
        *,
        case
            when rule_status = 'dead_stock' then on_hand_qty
            when rule_status = 'surplus'
                then
                    on_hand_qty
                    - ceil({{ var('surplus_weeks_of_cover') }} * expected_weekly_demand)
            else 0
        end as rule_surplus_qty
    from classified

),

-- surplus too small to be worth acting on is not flagged
thresholded as (

    select
        *,
        rule_status in ('dead_stock', 'surplus')
        and (
            rule_surplus_qty < {{ var('surplus_min_qty') }}
            or coalesce(rule_surplus_qty * unit_cost, 0) < {{ var('surplus_min_value') }}
        ) as below_surplus_minimum
    from surplus_measured

),

final as (

    select
        stock_code,
        location_id,
        snapshot_date,
        on_hand_qty,
        unit_cost,
        stock_value,
        trailing_4w_demand,
        trailing_12w_demand,
        forecast_weekly_demand,
        seasonal_weekly_demand,
        cast(expected_weekly_demand as decimal(18, 3)) as expected_weekly_demand,
        cast(on_hand_qty / nullif(expected_weekly_demand, 0) as decimal(12, 2))
            as weeks_of_cover,
        last_sale_date,
        days_since_last_sale,
        last_receipt_date,
        days_since_last_receipt,
        first_stock_date,
        days_idle,
        lead_time_days,
        cast(need_weeks as decimal(6, 2)) as need_weeks,
        case when below_surplus_minimum then 'healthy' else rule_status end as stock_status,
        case when below_surplus_minimum then 0 else cast(rule_surplus_qty as int) end
            as surplus_qty,
        case
            when rule_status = 'shortage'
                then cast(ceil(need_weeks * forecast_weekly_demand - on_hand_qty) as int)
            else 0
        end as shortage_qty
    from thresholded

)

select * from final
