-- One row per product and neighbour of the latest recommender run: the products bought by
-- the same customers.
{{ config(materialized='view') }}

with

neighbours as (

    select * from {{ source('ml', 'product_neighbours') }}

),

final as (

    select
        stock_code,
        neighbour_rank,
        neighbour_stock_code,
        similarity,
        run_id
    from neighbours

)

select * from final
