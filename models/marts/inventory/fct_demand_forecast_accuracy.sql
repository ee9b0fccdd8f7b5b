-- The rolling-origin backtest, one row per origin: WAPE of the forecast method and of the
-- naive last-4-weeks average over every series (unforecast ones included), and which of the
-- two would have been chosen from the origins scored before it: the method with less
-- absolute error over every earlier origin whose weeks had all passed by then. The chosen
-- method is then scored on this origin's weeks, which the choice never saw.
{%- set weeks = var('forecast_weeks') | int %}
with

backtest as (

    select * from {{ ref('fct_demand_forecast_backtest') }}

),

per_origin as (

    select
        origin_week,
        date_add(origin_week, {{ 7 * weeks }}) as horizon_end_week,
        count(*) as series,
        count_if(forecast_method = 'seasonal_level') as seasonal_series,
        count_if(forecast_method = 'moving_average') as moving_average_series,
        count_if(forecast_method = 'young_moving_average') as young_series,
        count_if(forecast_method = 'no_forecast') as unforecast_series,
        sum(actual_units) as actual_units,
        sum(case when forecast_method = 'no_forecast' then actual_units else 0 end)
            as unforecast_units,
        sum(forecast_abs_error) as forecast_abs_error,
        sum(naive_abs_error) as naive_abs_error
    from backtest
    group by 1

),

-- the errors of each method over the origins whose weeks were all past at this origin
earlier as (

    select
        scored.origin_week,
        sum(seen.forecast_abs_error) as earlier_forecast_abs_error,
        sum(seen.naive_abs_error) as earlier_naive_abs_error
    from per_origin as scored
    inner join per_origin as seen
        on scored.origin_week >= seen.horizon_end_week
    group by 1

),

final as (

    select
        per_origin.origin_week,
        per_origin.horizon_end_week,
        per_origin.series,
        per_origin.seasonal_series,
        per_origin.moving_average_series,
        per_origin.young_series,
        per_origin.unforecast_series,
        per_origin.actual_units,
        per_origin.unforecast_units,
        cast(
            per_origin.forecast_abs_error / nullif(per_origin.actual_units, 0)
            as decimal(12, 4)
        ) as forecast_wape,
        cast(
            per_origin.naive_abs_error / nullif(per_origin.actual_units, 0) as decimal(12, 4)
        ) as naive_wape,
        cast(
            1 - per_origin.forecast_abs_error / nullif(per_origin.naive_abs_error, 0)
            as decimal(12, 4)
        ) as improvement_over_naive,
        case
            when earlier.origin_week is null then null
            when earlier.earlier_forecast_abs_error <= earlier.earlier_naive_abs_error
                then 'forecast'
            else 'naive'
        end as chosen_method,
        cast(
            case
                when earlier.origin_week is null then null
                when earlier.earlier_forecast_abs_error <= earlier.earlier_naive_abs_error
                    then per_origin.forecast_abs_error
                else per_origin.naive_abs_error
            end / nullif(per_origin.actual_units, 0)
            as decimal(12, 4)
        ) as chosen_wape
    from per_origin
    left join earlier
        on per_origin.origin_week = earlier.origin_week

)

select * from final
