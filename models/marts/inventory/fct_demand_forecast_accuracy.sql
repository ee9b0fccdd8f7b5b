-- The backtest in one row: WAPE of the forecast method and of the naive last-4-weeks
-- average over every series, and how much the method improves on the naive one.
with

backtest as (

    select * from {{ ref('fct_demand_forecast_backtest') }}

),

final as (

    select
        count(*) as series,
        count_if(forecast_method = 'seasonal_level') as seasonal_series,
        count_if(forecast_method = 'moving_average') as moving_average_series,
        count_if(forecast_method = 'young_moving_average') as young_series,
        sum(actual_units) as actual_units,
        cast(sum(forecast_abs_error) / nullif(sum(actual_units), 0) as decimal(12, 4))
            as forecast_wape,
        cast(sum(naive_abs_error) / nullif(sum(actual_units), 0) as decimal(12, 4))
            as naive_wape,
        cast(
            1 - sum(forecast_abs_error) / nullif(sum(naive_abs_error), 0) as decimal(12, 4)
        ) as improvement_over_naive
    from backtest

)

select * from final
