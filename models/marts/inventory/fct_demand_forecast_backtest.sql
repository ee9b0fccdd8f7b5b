-- The forecast method tried from several past origins (rolling origin; see
-- `int_demand_forecasts`), each forecasting the `forecast_weeks` weeks after it without
-- seeing them: per origin × stock code × location, what sold, what the method and the naive
-- last-4-weeks average said, and their absolute errors. A series that sold in those weeks
-- but had no forecast at the origin (first sold after it) is in, with forecasts of 0: its
-- sales are all error.
{%- set weeks = var('forecast_weeks') | int %}
with

forecasts as (

    select * from {{ ref('int_demand_forecasts') }}
    where origin_type = 'backtest'

),

demand as (

    select * from {{ ref('int_product_location_demand_weekly') }}

),

origins as (

    select distinct origin_week
    from forecasts

),

-- what sold in each origin's horizon, whether or not it was forecast
actuals as (

    select
        origins.origin_week,
        demand.stock_code,
        demand.location_id,
        demand.week_start,
        demand.units_sold
    from origins
    inner join demand
        on
            origins.origin_week < demand.week_start
            and date_add(origins.origin_week, {{ 7 * weeks }}) >= demand.week_start

),

compared as (

    select
        coalesce(forecasts.origin_week, actuals.origin_week) as origin_week,
        coalesce(forecasts.stock_code, actuals.stock_code) as stock_code,
        coalesce(forecasts.location_id, actuals.location_id) as location_id,
        coalesce(forecasts.forecast_method, 'no_forecast') as forecast_method,
        coalesce(forecasts.forecast_units, 0) as forecast_units,
        coalesce(forecasts.naive_units, 0) as naive_units,
        coalesce(actuals.units_sold, 0) as actual_units
    from forecasts
    full outer join actuals
        on
            forecasts.origin_week = actuals.origin_week
            and forecasts.stock_code = actuals.stock_code
            and forecasts.location_id = actuals.location_id
            and forecasts.forecast_week = actuals.week_start

),

final as (

    select
        origin_week,
        stock_code,
        location_id,
        -- a series forecast at the origin has a method in every week; no_forecast otherwise
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
    group by 1, 2, 3

)

select * from final
