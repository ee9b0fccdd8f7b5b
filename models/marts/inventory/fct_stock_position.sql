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
        cast(on_hand_qty / nullif(forecast_weekly_demand, 0) as decimal(12, 2))
            as weeks_of_cover
    from measured

),

classified as (

    select
        *,
        case
            when
                on_hand_qty > 0
                and (
                    last_sale_date is null
                    or days_since_last_sale > {{ var('dead_stock_days') }}
                )
                then 'dead_stock'
            when
                forecast_weekly_demand > 0
                and on_hand_qty < need_weeks * forecast_weekly_demand
                then 'shortage'
            when
                on_hand_qty > 0
                and on_hand_qty > {{ var('surplus_weeks_of_cover') }} * forecast_weekly_demand
                then 'surplus'
            else 'healthy'
        end as stock_status
    from needs

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
        weeks_of_cover,
        last_sale_date,
        days_since_last_sale,
        last_receipt_date,
        days_since_last_receipt,
        lead_time_days,
        cast(need_weeks as decimal(6, 2)) as need_weeks,
        stock_status,
        case
            when stock_status = 'dead_stock' then on_hand_qty
            when stock_status = 'surplus'
                then cast(
                    on_hand_qty
                    - ceil({{ var('surplus_weeks_of_cover') }} * forecast_weekly_demand)
                    as int
                )
            else 0
        end as surplus_qty,
        case
            when stock_status = 'shortage'
                then cast(ceil(need_weeks * forecast_weekly_demand - on_hand_qty) as int)
            else 0
        end as shortage_qty
    from classified

)

select * from final
