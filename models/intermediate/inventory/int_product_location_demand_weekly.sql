-- Units sold per goods stock code × location × week (weeks start on Monday), zero-filled
-- from the series' first week with a sale to the last complete week of data.
with

located as (

    select * from {{ ref('int_invoice_lines_located') }}

),

data_end as (

    -- the last complete week: the Monday after it is on or before the day after the data
    select date_sub(date_trunc('week', date_add(max(invoice_date), 1)), 7) as last_week
    from located

),

weekly as (

    select
        stock_code,
        location_id,
        cast(date_trunc('week', invoice_date) as date) as week_start,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        sum(net_revenue) as net_revenue
    from located
    group by 1, 2, 3

),

series as (

    select
        weekly.stock_code,
        weekly.location_id,
        min(weekly.week_start) as first_week,
        any_value(data_end.last_week) as last_week
    from weekly
    cross join data_end
    where weekly.units_sold > 0
    group by 1, 2
    -- series first sold in the final, incomplete week start after it
    having min(weekly.week_start) <= any_value(data_end.last_week)

),

grid as (

    select
        series.stock_code,
        series.location_id,
        series.first_week,
        weeks.week_start
    from series
        lateral view explode(sequence(series.first_week, series.last_week, interval 1 week))
        weeks as week_start

),

final as (

    select
        grid.stock_code,
        grid.location_id,
        grid.week_start,
        cast(datediff(grid.week_start, grid.first_week) / 7 as int) as weeks_since_first_sale,
        coalesce(weekly.units_sold, 0) as units_sold,
        coalesce(weekly.units_returned, 0) as units_returned,
        coalesce(weekly.net_revenue, 0) as net_revenue
    from grid
    left join weekly
        on
            grid.stock_code = weekly.stock_code
            and grid.location_id = weekly.location_id
            and grid.week_start = weekly.week_start

)

select * from final
