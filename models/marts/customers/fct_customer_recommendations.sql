-- The top products to recommend to each customer, with why: the product they bought that
-- each is most like, and the recommender's held-out quality beside it.
with

recommendations as (

    select * from {{ ref('stg_ml__customer_recommendations') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

final as (

    select
        recommendations.customer_id,
        recommendations.recommendation_rank,
        recommendations.stock_code,
        recommended.description,
        recommended.category,
        recommendations.score,
        recommendations.bought_before,
        recommendations.because_stock_code,
        case
            when recommendations.bought_before
                then 'bought before, not in each of the last three months'
            else
                concat(
                    'like ',
                    coalesce(bought.description, recommendations.because_stock_code),
                    ', which they bought'
                )
        end as reason,
        recommendations.run_id as model_run_id,
        recommendations.trained_at as model_trained_at,
        cast(recommendations.hit_rate_at_10 as decimal(9, 4)) as model_hit_rate_at_10,
        cast(recommendations.popularity_hit_rate_at_10 as decimal(9, 4))
            as popularity_hit_rate_at_10,
        recommendations.beats_popularity as model_beats_popularity
    from recommendations
    left join products as recommended
        on recommendations.stock_code = recommended.stock_code
    left join products as bought
        on recommendations.because_stock_code = bought.stock_code

)

select * from final
