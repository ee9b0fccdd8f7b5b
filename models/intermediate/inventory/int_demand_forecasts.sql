-- Weekly demand forecasts per stock code × location from several origins: `forecast` (the
-- last complete week, for planning) and `backtest` origins (the latest `forecast_weeks`
-- before it, then every `backtest_origin_step_weeks` earlier, `backtest_origins` in all),
-- to measure the method against what then sold. One method for all; see `demand_forecast`.
{%- set weeks = var('forecast_weeks') | int %}
{%- set level_weeks = var('forecast_level_weeks') | int %}
{%- set step = var('backtest_origin_step_weeks') | int %}
{%- set backtests = var('backtest_origins') | int %}
with

demand as (

    select * from {{ ref('int_product_location_demand_weekly') }}

),

data_end as (

    select max(week_start) as last_week
    from demand

),

origins as (

    select
        'forecast' as origin_type,
        last_week as origin_week
    from data_end
    union all
    select
        'backtest' as origin_type,
        date_sub(data_end.last_week, {{ 7 * weeks }} + {{ 7 * step }} * steps.back)
            as origin_week
    from data_end
        lateral view explode(sequence(0, {{ backtests - 1 }})) steps as back

),

-- all products' weekly units, smoothed over three weeks: the seasonal shape
totals as (

    select
        week_start,
        sum(units_sold) as total_units
    from demand
    group by 1

),

smoothed as (

    select
        week_start,
        avg(total_units) over (
            order by week_start rows between 1 preceding and 1 following
        ) as smooth_units
    from totals

),

-- last year's units in the weeks matching the level window (52 weeks before it)
reference as (

    select
        origins.origin_type,
        origins.origin_week,
        avg(smoothed.smooth_units) as reference_units
    from origins
    inner join smoothed
        on
            smoothed.week_start
            between date_sub(origins.origin_week, {{ 7 * (52 + level_weeks - 1) }})
            and date_sub(origins.origin_week, {{ 7 * 52 }})
    group by 1, 2
    having count(*) = {{ level_weeks }}

),

levels as (

    select
        origins.origin_type,
        origins.origin_week,
        demand.stock_code,
        demand.location_id,
        avg(demand.units_sold) as level_units,
        percentile(demand.units_sold, 0.5) as median_units,
        count(*) as level_weeks,
        avg(
            case
                when demand.week_start > date_sub(origins.origin_week, 28) then demand.units_sold
            end
        ) as naive_units
    from origins
    inner join demand
        on
            origins.origin_week >= demand.week_start
            and demand.week_start > date_sub(origins.origin_week, {{ 7 * level_weeks }})
    group by 1, 2, 3, 4

),

horizons as (

    select explode(sequence(1, {{ weeks }})) as horizon_weeks

),

projected as (

    select
        levels.*,
        horizons.horizon_weeks,
        date_add(levels.origin_week, 7 * horizons.horizon_weeks) as forecast_week,
        smoothed.smooth_units / nullif(reference.reference_units, 0) as seasonal_ratio
    from levels
    cross join horizons
    left join reference
        on
            levels.origin_type = reference.origin_type
            and levels.origin_week = reference.origin_week
    left join smoothed
        on
            smoothed.week_start
            = date_sub(date_add(levels.origin_week, 7 * horizons.horizon_weeks), {{ 7 * 52 }})

),

final as (

    select
        origin_type,
        origin_week,
        stock_code,
        location_id,
        horizon_weeks,
        forecast_week,
        case
            when level_weeks < {{ level_weeks }} then 'young_moving_average'
            when seasonal_ratio is null then 'moving_average'
            else 'seasonal_level'
        end as forecast_method,
        level_weeks,
        level_units,
        median_units,
        seasonal_ratio,
        naive_units,
        case
            when level_weeks < {{ level_weeks }} then level_units
            else
                {{ var('forecast_seasonal_weight') }} * median_units * coalesce(seasonal_ratio, 1)
                + (1 - {{ var('forecast_seasonal_weight') }}) * naive_units
        end as forecast_units
    from projected

)

select * from final
