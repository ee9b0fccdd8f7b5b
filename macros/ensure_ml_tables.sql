{#
    on-run-start: the tables `retail train` writes and the churn and recommendation marts
    read (declared as the `ml` source), created empty if they are not there, so a lake whose
    models were never trained still builds (the marts then have no rows). `retail train`
    fills them.
#}
{% macro ensure_ml_tables() -%}
    {%- if not execute
        or flags.WHICH not in ("build", "test", "run", "seed", "retry", "run-operation") -%}
        {{ return("") }}
    {%- endif -%}
    {% do run_query(
        "create schema if not exists ml comment 'Predictive models: what retail train writes'"
    ) %}
    {% do run_query(
        "create table if not exists ml.customer_churn_scores ("
        ~ " run_id string, cutoff_date date, customer_id string, churn_probability double,"
        ~ " driver_1 string, driver_2 string, driver_3 string) using delta"
        ~ " comment 'The churn model of the latest retail train: each active customer at the"
        ~ " latest cutoff, with the probability of no purchase within the horizon'"
    ) %}
    {% do run_query(
        "create table if not exists ml.churn_model_runs ("
        ~ " run_id string, trained_at timestamp, model string, seed int, horizon_days int,"
        ~ " train_cutoffs string, validation_cutoff date, test_cutoff date, scored_cutoff date,"
        ~ " validation_auc_logistic double, validation_auc_trees double,"
        ~ " test_customers bigint, test_churn_rate double, auc double,"
        ~ " precision_top_decile double, brier double, base_rate_brier double,"
        ~ " calibration string, rule_auc double, rule_precision_top_decile double,"
        ~ " recency_auc double, recency_precision_top_decile double, beats_baselines boolean,"
        ~ " features_version bigint, model_path string) using delta"
        ~ " comment 'One row per retail train: the model chosen, its held-out metrics and"
        ~ " the baselines on the same customers'"
    ) %}
    {% do run_query(
        "create table if not exists ml.customer_recommendations ("
        ~ " run_id string, customer_id string, recommendation_rank int, stock_code string,"
        ~ " score double, bought_before boolean, because_stock_code string) using delta"
        ~ " comment 'The recommender of the latest retail train: the top products per"
        ~ " customer, with the product bought that each is most like'"
    ) %}
    {% do run_query(
        "create table if not exists ml.product_neighbours ("
        ~ " run_id string, stock_code string, neighbour_rank int, neighbour_stock_code string,"
        ~ " similarity double) using delta"
        ~ " comment 'The recommender of the latest retail train: the ten products closest to"
        ~ " each by the learnt factors (bought by the same customers)'"
    ) %}
    {% do run_query(
        "create table if not exists ml.recommendation_runs ("
        ~ " run_id string, trained_at timestamp, seed int, als_rank int, alpha double,"
        ~ " validation_month date, validation_hit_rate_at_10 double, holdout_month date,"
        ~ " test_customers bigint, hit_rate_at_10 double, popularity_hit_rate_at_10 double,"
        ~ " coverage double, popularity_coverage double, beats_popularity boolean,"
        ~ " customers_scored bigint, purchases_version bigint, model_path string) using delta"
        ~ " comment 'One row per retail train of the recommender: settings, held-out hit"
        ~ " rate and coverage against the popularity baseline'"
    ) %}
{%- endmacro %}
