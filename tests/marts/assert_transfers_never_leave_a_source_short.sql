-- Transfers balance against the positions: no location sends more than its surplus or
-- receives more than its shortage, and after sending, a source still holds at least its
-- own need (lead time + safety weeks of forecast demand). A row = a location and product off.
with

positions as (

    select * from {{ ref('fct_stock_position') }}

),

transfers as (

    select * from {{ ref('fct_stock_transfer_suggestions') }}

),

sent as (

    select
        stock_code,
        from_location_id as location_id,
        sum(transfer_qty) as units_out
    from transfers
    group by 1, 2

),

received as (

    select
        stock_code,
        to_location_id as location_id,
        sum(transfer_qty) as units_in
    from transfers
    group by 1, 2

),

final as (

    select
        positions.stock_code,
        positions.location_id,
        positions.on_hand_qty,
        positions.surplus_qty,
        positions.shortage_qty,
        coalesce(sent.units_out, 0) as units_out,
        coalesce(received.units_in, 0) as units_in
    from positions
    left join sent
        on
            positions.stock_code = sent.stock_code
            and positions.location_id = sent.location_id
    left join received
        on
            positions.stock_code = received.stock_code
            and positions.location_id = received.location_id
    where
        coalesce(sent.units_out, 0) > positions.surplus_qty
        or coalesce(received.units_in, 0) > positions.shortage_qty
        or (
            sent.units_out > 0
            and positions.on_hand_qty - sent.units_out
            < positions.need_weeks * positions.forecast_weekly_demand
        )

)

select * from final
