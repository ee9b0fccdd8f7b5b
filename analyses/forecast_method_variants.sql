-- The forecast variants compared when the method was chosen, on the backtest window: WAPE
-- per product × location × week (`series`) and per product × week (`product`), for the
-- naive last-4-weeks average, the 8-week mean, the mean × pooled seasonal ratio, the
-- median × that ratio, and the method in use (half median × ratio, half 4-week average).
-- Run: `dbt compile -s forecast_method_variants`, then `dbt show --inline` with the SQL
-- it writes to target/compiled/retail_analytics/analyses/forecast_method_variants.sql.
with

forecasts as (

    select * from {{ ref('int_demand_forecasts') }}

),

-- the latest backtest origin's window, where the variants were compared
latest_origin as (

    select max(origin_week) as origin_week
    from forecasts
    where origin_type = 'backtest'

),

demand as (

    select * from {{ ref('int_product_location_demand_weekly') }}

),

backtest as (

    select
        forecasts.stock_code,
        forecasts.forecast_week,
        coalesce(demand.units_sold, 0) as actual_units,
        forecasts.naive_units,
        forecasts.level_units,
        forecasts.level_units * coalesce(forecasts.seasonal_ratio, 1) as mean_seasonal_units,
        forecasts.median_units * coalesce(forecasts.seasonal_ratio, 1) as median_seasonal_units,
        forecasts.forecast_units
    from forecasts
    left join demand
        on
            forecasts.stock_code = demand.stock_code
            and forecasts.location_id = demand.location_id
            and forecasts.forecast_week = demand.week_start
    inner join latest_origin
        on forecasts.origin_week = latest_origin.origin_week
    where forecasts.origin_type = 'backtest'

),

by_product as (

    select
        stock_code,
        forecast_week,
        sum(actual_units) as actual_units,
        sum(naive_units) as naive_units,
        sum(level_units) as level_units,
        sum(mean_seasonal_units) as mean_seasonal_units,
        sum(median_seasonal_units) as median_seasonal_units,
        sum(forecast_units) as forecast_units
    from backtest
    group by 1, 2

),

final as (

    {%- for grain, relation in [('series', 'backtest'), ('product', 'by_product')] %}
        select
            '{{ grain }}' as grain,
            round(sum(abs(actual_units - naive_units)) / sum(actual_units), 4) as naive_wape,
            round(sum(abs(actual_units - level_units)) / sum(actual_units), 4) as mean8_wape,
            round(sum(abs(actual_units - mean_seasonal_units)) / sum(actual_units), 4)
                as mean_seasonal_wape,
            round(sum(abs(actual_units - median_seasonal_units)) / sum(actual_units), 4)
                as median_seasonal_wape,
            round(sum(abs(actual_units - forecast_units)) / sum(actual_units), 4) as method_wape
        from {{ relation }}
        {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select * from final
