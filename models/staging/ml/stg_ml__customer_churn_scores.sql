-- One row per customer scored by the latest churn model run, with that run's model and
-- held-out metrics.
{{ config(materialized='view') }}

with

scores as (

    select * from {{ source('ml', 'customer_churn_scores') }}

),

runs as (

    select * from {{ source('ml', 'churn_model_runs') }}

),

final as (

    select
        scores.customer_id,
        scores.cutoff_date,
        scores.churn_probability,
        scores.driver_1,
        scores.driver_2,
        scores.driver_3,
        scores.run_id,
        runs.model,
        runs.trained_at,
        runs.test_cutoff,
        runs.auc as test_auc,
        runs.precision_top_decile as test_precision_top_decile,
        runs.beats_baselines
    from scores
    inner join runs
        on scores.run_id = runs.run_id

)

select * from final
