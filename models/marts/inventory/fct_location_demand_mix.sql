-- What stock should go where: per location and product category, the category's share of
-- the location's demand (units sold in the last 12 weeks) against its share of the
-- location's stock (units on hand). A positive gap: the category sells more there than
-- the stock it holds.
with

positions as (

    select * from {{ ref('fct_stock_position') }}

),

demand as (

    select * from {{ ref('int_product_location_demand_weekly') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

latest as (

    select max(snapshot_date) as snapshot_date
    from positions

),

recent_demand as (

    select
        demand.location_id,
        coalesce(products.category, 'Other') as category,
        sum(demand.units_sold) as units_sold_12w
    from demand
    cross join latest
    left join products
        on demand.stock_code = products.stock_code
    where
        demand.week_start > date_sub(latest.snapshot_date, 84)
        and demand.week_start <= latest.snapshot_date
    group by 1, 2

),

stock as (

    select
        positions.location_id,
        coalesce(products.category, 'Other') as category,
        sum(positions.on_hand_qty) as units_on_hand,
        sum(positions.stock_value) as stock_value
    from positions
    left join products
        on positions.stock_code = products.stock_code
    group by 1, 2

),

combined as (

    select
        coalesce(recent_demand.location_id, stock.location_id) as location_id,
        coalesce(recent_demand.category, stock.category) as category,
        coalesce(recent_demand.units_sold_12w, 0) as units_sold_12w,
        coalesce(stock.units_on_hand, 0) as units_on_hand,
        coalesce(stock.stock_value, 0) as stock_value
    from recent_demand
    full outer join stock
        on
            recent_demand.location_id = stock.location_id
            and recent_demand.category = stock.category

),

final as (

    select
        location_id,
        category,
        units_sold_12w,
        units_on_hand,
        cast(stock_value as decimal(18, 2)) as stock_value,
        cast(
            units_sold_12w / nullif(sum(units_sold_12w) over (partition by location_id), 0)
            as decimal(9, 6)
        ) as share_of_demand,
        cast(
            units_on_hand / nullif(sum(units_on_hand) over (partition by location_id), 0)
            as decimal(9, 6)
        ) as share_of_stock,
        cast(
            coalesce(
                units_sold_12w / nullif(sum(units_sold_12w) over (partition by location_id), 0),
                0
            )
            - coalesce(
                units_on_hand / nullif(sum(units_on_hand) over (partition by location_id), 0),
                0
            )
            as decimal(9, 6)
        ) as demand_minus_stock_share
    from combined

)

select * from final
