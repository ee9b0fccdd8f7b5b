-- One row per customer active at the churn model's latest cutoff: the probability they make
-- no purchase within `churn_horizon_days`, its decile, what drives it, and beside it what the
-- rule of the customer marts says, their RFM segment and the model's held-out quality.
with

scores as (

    select * from {{ ref('stg_ml__customer_churn_scores') }}

),

features as (

    select * from {{ ref('int_customer_churn_features') }}

),

rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

final as (

    select
        scores.customer_id,
        scores.cutoff_date as scored_as_of,
        features.country,
        features.recency_days,
        features.frequency,
        features.usual_gap_days,
        cast(scores.churn_probability as decimal(9, 4)) as churn_probability,
        ntile(10) over (order by scores.churn_probability desc, scores.customer_id asc)
            as churn_risk_decile,
        scores.driver_1,
        scores.driver_2,
        scores.driver_3,
        features.is_churn_risk_by_rule,
        rfm.rfm_segment,
        scores.model,
        scores.run_id as model_run_id,
        scores.trained_at as model_trained_at,
        cast(scores.test_auc as decimal(9, 4)) as model_test_auc,
        scores.beats_baselines as model_beats_baselines
    from scores
    -- features at the scored cutoff; null when the data has moved on since the model ran
    left join features
        on
            scores.customer_id = features.customer_id
            and scores.cutoff_date = features.cutoff_date
    left join rfm
        on scores.customer_id = rfm.customer_id

)

select * from final
