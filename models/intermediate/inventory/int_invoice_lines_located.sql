-- Goods sales and returns with the location that fulfils them (see `location_rule`).
{{
    config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['invoice_month'],
        on_schema_change='fail',
    )
}}

with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}
    {%- if is_incremental() %}
        -- only the months the valued lines rewrote since this table's last build
        where {{ only_months_rebuilt_in(ref('int_invoice_lines_valued')) }}
    {%- endif %}

),

countries as (

    select * from {{ ref('countries') }}

),

locations as (

    select * from {{ ref('locations') }}

),

-- a country's locations numbered, warehouse first: anonymous sales take slot 1
country_slots as (

    select
        location_id,
        country,
        row_number() over (
            partition by country
            order by case when location_type = 'warehouse' then 0 else 1 end, location_id
        ) as slot,
        count(*) over (partition by country) as slots
    from locations

),

-- the warehouse that serves each continent's countries without a location of their own
-- (seed `locations`, column `serves_continent`; other continents: `home_location_id`)
continent_warehouses as (

    select
        serves_continent as continent,
        location_id
    from locations
    where coalesce(serves_continent, '') != ''

),

goods as (

    select
        lines.*,
        countries.continent
    from lines
    left join countries
        on lines.country = countries.country
    where lines.is_goods_movement

),

final as (

    select
        goods.invoice_line_id,
        goods.invoice_id,
        goods.stock_code,
        goods.customer_id,
        goods.country,
        goods.invoice_date,
        goods.invoice_month,
        goods.line_type,
        goods.units_sold,
        goods.units_returned,
        goods.net_revenue,
        coalesce(
            goods.location_id,  -- a store's sale: the store
            country_slots.location_id,
            continent_warehouses.location_id,
            '{{ var("home_location_id") }}'
        ) as location_id,
        current_timestamp() as _built_at
    from goods
    left join country_slots
        on
            goods.country = country_slots.country
            and country_slots.slot = case
                when goods.customer_id is null then 1
                else pmod(hash(goods.customer_id), country_slots.slots) + 1
            end
    left join continent_warehouses
        on goods.continent = continent_warehouses.continent

)

select * from final
