-- The ten best-selling products (by units) of each season: winter (Dec–Feb), spring
-- (Mar–May), summer (Jun–Aug), autumn (Sep–Nov), over the whole period.
with

monthly as (

    select * from {{ ref('fct_product_revenue_monthly') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

seasonal as (

    select
        stock_code,
        case
            when month(revenue_month) in (12, 1, 2) then 'winter'
            when month(revenue_month) in (3, 4, 5) then 'spring'
            when month(revenue_month) in (6, 7, 8) then 'summer'
            else 'autumn'
        end as season,
        sum(units_sold) as units_sold,
        sum(net_revenue) as net_revenue
    from monthly
    group by 1, 2

),

ranked as (

    select
        *,
        rank() over (partition by season order by units_sold desc) as season_rank
    from seasonal

),

final as (

    select
        ranked.season,
        ranked.season_rank,
        ranked.stock_code,
        products.description,
        ranked.units_sold,
        ranked.net_revenue
    from ranked
    left join products
        on ranked.stock_code = products.stock_code
    where ranked.season_rank <= 10

)

select * from final
order by 1, 2
