-- "Bought with": for each product, up to `recommendations_per_product` other products to
-- show beside it. First the market basket's partners (bought on the same invoices), ranked by
-- how often given the product (confidence), then lift; then, to fill the list, the products
-- bought by the same customers (the recommender's closest by learnt factors, once
-- `retail train` has run). The basket only keeps frequent pairs (`min_pair_support`,
-- `max_basket_products`), so the second kind is what most products get.
with

pairs as (

    select * from {{ ref('fct_product_pairs') }}

),

neighbours as (

    select * from {{ ref('stg_ml__product_neighbours') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

basket as (

    select
        product_a as stock_code,
        product_b as recommended_stock_code,
        pair_invoices,
        confidence_a_to_b as confidence,
        lift
    from pairs

    union all

    select
        product_b as stock_code,
        product_a as recommended_stock_code,
        pair_invoices,
        confidence_b_to_a as confidence,
        lift
    from pairs

),

candidates as (

    select
        stock_code,
        recommended_stock_code,
        'bought together' as evidence,
        1 as evidence_order,
        pair_invoices,
        confidence,
        lift,
        cast(null as double) as similarity
    from basket

    union all

    select
        neighbours.stock_code,
        neighbours.neighbour_stock_code as recommended_stock_code,
        'bought by the same customers' as evidence,
        2 as evidence_order,
        cast(null as bigint) as pair_invoices,
        cast(null as decimal(9, 6)) as confidence,
        cast(null as decimal(12, 4)) as lift,
        neighbours.similarity
    from neighbours
    -- a pair the basket has is shown as bought together
    left anti join basket
        on
            neighbours.stock_code = basket.stock_code
            and neighbours.neighbour_stock_code = basket.recommended_stock_code

),

ranked as (

    select
        *,
        row_number() over (
            partition by stock_code
            order by
                evidence_order asc,
                confidence desc,
                lift desc,
                similarity desc,
                recommended_stock_code asc
        ) as recommendation_rank
    from candidates

),

final as (

    select
        ranked.stock_code,
        product.description,
        cast(ranked.recommendation_rank as int) as recommendation_rank,
        ranked.recommended_stock_code,
        recommended.description as recommended_description,
        ranked.evidence,
        ranked.pair_invoices,
        ranked.confidence,
        ranked.lift,
        cast(ranked.similarity as decimal(9, 4)) as similarity,
        case
            when ranked.evidence_order = 1
                then concat(
                    'bought on ', cast(ranked.pair_invoices as string), ' invoices with it (',
                    cast(cast(ranked.confidence * 100 as decimal(5, 1)) as string),
                    '% of its invoices)'
                )
            else concat(
                'bought by the same customers (similarity ',
                cast(cast(ranked.similarity as decimal(9, 2)) as string), ')'
            )
        end as reason
    from ranked
    left join products as product
        on ranked.stock_code = product.stock_code
    left join products as recommended
        on ranked.recommended_stock_code = recommended.stock_code
    where ranked.recommendation_rank <= {{ var('recommendations_per_product') }}

)

select * from final
