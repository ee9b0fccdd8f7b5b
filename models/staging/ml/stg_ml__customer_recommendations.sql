-- One row per customer and recommended product of the latest recommender run, with that
-- run's held-out quality.
{{ config(materialized='view') }}

with

recommendations as (

    select * from {{ source('ml', 'customer_recommendations') }}

),

runs as (

    select * from {{ source('ml', 'recommendation_runs') }}

),

final as (

    select
        recommendations.customer_id,
        recommendations.recommendation_rank,
        recommendations.stock_code,
        recommendations.score,
        recommendations.bought_before,
        recommendations.because_stock_code,
        recommendations.run_id,
        runs.trained_at,
        runs.holdout_month,
        runs.hit_rate_at_10,
        runs.popularity_hit_rate_at_10,
        runs.beats_popularity
    from recommendations
    inner join runs
        on recommendations.run_id = runs.run_id

)

select * from final
