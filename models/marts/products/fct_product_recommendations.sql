-- "Bought with": for each product, up to `recommendations_per_product` other products to
-- show beside it, from the market basket: the partners bought on the same invoices most
-- often given the product (confidence), ties broken by lift. Only pairs the basket keeps
-- (`min_pair_support`, `max_basket_products`) are here, so products outside the frequent
-- pairs have no row: `fct_product_pairs` says how much the bounds leave out.
with

pairs as (

    select * from {{ ref('fct_product_pairs') }}

),

both_ways as (

    select
        product_a as stock_code,
        product_a_description as description,
        product_b as recommended_stock_code,
        product_b_description as recommended_description,
        pair_invoices,
        confidence_a_to_b as confidence,
        lift
    from pairs

    union all

    select
        product_b as stock_code,
        product_b_description as description,
        product_a as recommended_stock_code,
        product_a_description as recommended_description,
        pair_invoices,
        confidence_b_to_a as confidence,
        lift
    from pairs

),

ranked as (

    select
        *,
        row_number() over (
            partition by stock_code
            order by confidence desc, lift desc, recommended_stock_code asc
        ) as recommendation_rank
    from both_ways

),

final as (

    select
        stock_code,
        description,
        cast(recommendation_rank as int) as recommendation_rank,
        recommended_stock_code,
        recommended_description,
        pair_invoices,
        confidence,
        lift,
        concat(
            'bought on ', cast(pair_invoices as string), ' invoices with it (',
            cast(cast(confidence * 100 as decimal(5, 1)) as string), '% of its invoices)'
        ) as reason
    from ranked
    where recommendation_rank <= {{ var('recommendations_per_product') }}

)

select * from final
