-- The forecast method tried on the last `forecast_weeks` weeks (forecast made as of the
-- week before them, without seeing them): per stock code × location, what sold, what the
-- method and the naive last-4-weeks average said, and their WAPE.
with

forecasts as (

    select * from {{ ref('int_demand_forecasts') }}

),

demand as (

    select * from {{ ref('int_product_location_demand_weekly') }}

),

compared as (

    select
        forecasts.stock_code,
        forecasts.location_id,
        forecasts.forecast_method,
        forecasts.forecast_units,
        forecasts.naive_units,
        coalesce(demand.units_sold, 0) as actual_units
    from forecasts
    left join demand
        on
            forecasts.stock_code = demand.stock_code
            and forecasts.location_id = demand.location_id
            and forecasts.forecast_week = demand.week_start
    where forecasts.origin_type = 'backtest'

),

final as (

    select
        stock_code,
        location_id,
        any_value(forecast_method) as forecast_method,
        sum(actual_units) as actual_units,
        cast(sum(forecast_units) as decimal(18, 3)) as forecast_units,
        cast(sum(naive_units) as decimal(18, 3)) as naive_units,
        cast(sum(abs(actual_units - forecast_units)) as decimal(18, 3)) as forecast_abs_error,
        cast(sum(abs(actual_units - naive_units)) as decimal(18, 3)) as naive_abs_error,
        cast(
            sum(abs(actual_units - forecast_units)) / nullif(sum(actual_units), 0)
            as decimal(12, 4)
        ) as forecast_wape,
        cast(
            sum(abs(actual_units - naive_units)) / nullif(sum(actual_units), 0)
            as decimal(12, 4)
        ) as naive_wape
    from compared
    group by 1, 2

)

select * from final
