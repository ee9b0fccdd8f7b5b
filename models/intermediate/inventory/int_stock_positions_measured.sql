-- Each product × location at the latest snapshot with what status rules need: stock,
-- cost, trailing, forecast and last year's demand, last sale and receipt, how long the
-- stock has sat idle, the location's lead time.
with

snapshots as (

    select * from {{ source('online_retail', 'inventory_snapshots') }}
    where _load_id in ({{ committed_load_ids() }})

),

receipts as (

    select * from {{ source('online_retail', 'stock_receipts') }}
    where _load_id in ({{ committed_load_ids() }})

),

locations as (

    select * from {{ ref('locations') }}

),

demand as (

    select * from {{ ref('int_product_location_demand_weekly') }}

),

located as (

    select * from {{ ref('int_invoice_lines_located') }}

),

-- the forecast from the latest origin, read from the intermediate (not the mart built on
-- it): arrows only go down the layers
forecasts as (

    select * from {{ ref('int_demand_forecasts') }}
    where origin_type = 'forecast'

),

latest as (

    select max(snapshot_date) as snapshot_date
    from snapshots

),

positions as (

    select snapshots.*
    from snapshots
    inner join latest
        on snapshots.snapshot_date = latest.snapshot_date

),

trailing_demand as (

    select
        demand.stock_code,
        demand.location_id,
        sum(
            case
                when demand.week_start > date_sub(latest.snapshot_date, 28) then demand.units_sold
                else 0
            end
        ) as trailing_4w_demand,
        sum(demand.units_sold) as trailing_12w_demand
    from demand
    cross join latest
    where
        demand.week_start > date_sub(latest.snapshot_date, 84)
        and demand.week_start <= latest.snapshot_date
    group by 1, 2

),

last_sales as (

    select
        located.stock_code,
        located.location_id,
        max(located.invoice_date) as last_sale_date
    from located
    cross join latest
    where located.line_type = 'sale' and located.invoice_date <= latest.snapshot_date
    group by 1, 2

),

last_receipts as (

    select
        receipts.stock_code,
        receipts.location_id,
        max(receipts.received_date) as last_receipt_date
    from receipts
    cross join latest
    where receipts.received_date <= latest.snapshot_date
    group by 1, 2

),

-- the first snapshot that held the stock: its age when nothing was received or sold since
first_stock as (

    select
        stock_code,
        location_id,
        min(snapshot_date) as first_stock_date
    from snapshots
    where on_hand_qty > 0
    group by 1, 2

),

-- last year's units in the weeks ahead, as many as the surplus threshold's cover: what a
-- seasonal product is judged against off-season
seasonal_demand as (

    select
        demand.stock_code,
        demand.location_id,
        sum(demand.units_sold) / {{ var('surplus_weeks_of_cover') }} as seasonal_weekly_demand
    from demand
    cross join latest
    where
        demand.week_start > date_sub(latest.snapshot_date, 364)
        and demand.week_start
        <= date_add(date_sub(latest.snapshot_date, 364), {{ 7 * var('surplus_weeks_of_cover') }})
    group by 1, 2

),

forecast_demand as (

    select
        stock_code,
        location_id,
        -- rounded as the published forecast (fct_demand_forecast) rounds it
        avg(cast(forecast_units as decimal(18, 3))) as forecast_weekly_demand
    from forecasts
    where horizon_weeks <= 4
    group by 1, 2

),

final as (

    select
        positions.stock_code,
        positions.location_id,
        positions.snapshot_date,
        positions.on_hand_qty,
        positions.unit_cost,
        cast(positions.on_hand_qty * positions.unit_cost as decimal(18, 2)) as stock_value,
        coalesce(trailing_demand.trailing_4w_demand, 0) as trailing_4w_demand,
        coalesce(trailing_demand.trailing_12w_demand, 0) as trailing_12w_demand,
        cast(coalesce(forecast_demand.forecast_weekly_demand, 0) as decimal(18, 3))
            as forecast_weekly_demand,
        cast(coalesce(seasonal_demand.seasonal_weekly_demand, 0) as decimal(18, 3))
            as seasonal_weekly_demand,
        last_sales.last_sale_date,
        last_receipts.last_receipt_date,
        datediff(positions.snapshot_date, last_sales.last_sale_date) as days_since_last_sale,
        datediff(positions.snapshot_date, last_receipts.last_receipt_date)
            as days_since_last_receipt,
        first_stock.first_stock_date,
        -- idle since the last sale or the last receipt, whichever is later; stock that
        -- never sold and was never received here is aged from the first snapshot holding it
        datediff(
            positions.snapshot_date,
            coalesce(
                greatest(last_sales.last_sale_date, last_receipts.last_receipt_date),
                first_stock.first_stock_date
            )
        ) as days_idle,
        locations.lead_time_days
    from positions
    left join trailing_demand
        on
            positions.stock_code = trailing_demand.stock_code
            and positions.location_id = trailing_demand.location_id
    left join forecast_demand
        on
            positions.stock_code = forecast_demand.stock_code
            and positions.location_id = forecast_demand.location_id
    left join last_sales
        on
            positions.stock_code = last_sales.stock_code
            and positions.location_id = last_sales.location_id
    left join last_receipts
        on
            positions.stock_code = last_receipts.stock_code
            and positions.location_id = last_receipts.location_id
    left join seasonal_demand
        on
            positions.stock_code = seasonal_demand.stock_code
            and positions.location_id = seasonal_demand.location_id
    left join first_stock
        on
            positions.stock_code = first_stock.stock_code
            and positions.location_id = first_stock.location_id
    left join locations
        on positions.location_id = locations.location_id

)

select * from final
