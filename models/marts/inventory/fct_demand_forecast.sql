-- The next `forecast_weeks` weeks of demand per stock code × location (see
-- `demand_forecast`), with the method used.
with

forecasts as (

    select * from {{ ref('int_demand_forecasts') }}

),

final as (

    select
        stock_code,
        location_id,
        origin_week,
        forecast_week,
        horizon_weeks,
        forecast_method,
        level_weeks,
        cast(level_units as decimal(18, 3)) as level_units,
        cast(median_units as decimal(18, 3)) as median_units,
        cast(seasonal_ratio as decimal(12, 4)) as seasonal_ratio,
        cast(forecast_units as decimal(18, 3)) as forecast_units,
        cast(naive_units as decimal(18, 3)) as naive_units
    from forecasts
    where origin_type = 'forecast'

)

select * from final
