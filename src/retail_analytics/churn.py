"""The churn model: which active customers will make no purchase within the horizon.

dbt builds the features (`int_customer_churn_features`: one row per customer and cutoff date,
what was known at the cutoff, and the label where the data covers the whole horizon). This
module trains on them with Spark MLlib and writes what the churn mart reads:

- **Cutoffs, in time order, never mixed.** The *test* cutoff is the last labelled one; the
  *validation* cutoff is the last whose horizon ends by the test cutoff; the *training*
  cutoffs are those whose horizon ends by the validation cutoff. So no label used to fit or
  choose a model comes from after the cutoff it is judged on.
- **Two models, one chosen.** A logistic regression and gradient-boosted trees are fitted on
  the training cutoffs; the one with the better AUC on the validation cutoff is refitted on
  every cutoff whose horizon ends by the test cutoff and scored there, against two baselines
  on the same customers: the rule the customer marts use (days since the last purchase over
  the usual gap between purchases) and recency alone.
- **Scores.** The chosen kind is refitted on every labelled cutoff and scores the latest
  cutoff (the last day of data). Each score carries three drivers: the features that push
  the customer's risk up most in the logistic model (coefficient times standardised value),
  in words (WORDS: "long since the last purchase", "country not United Kingdom").

It writes `ml.customer_churn_scores` (replaced) and a row of `ml.churn_model_runs`
(appended), the tables dbt's on-run-start creates (macros/ensure_ml_tables.sql), and saves
the fitted pipeline beside the warehouse.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from retail_analytics import ml_store
from retail_analytics.errors import RetailError

log = logging.getLogger(__name__)

FEATURES = "intermediate.int_customer_churn_features"
SCORES = "ml.customer_churn_scores"
RUNS = "ml.churn_model_runs"
LABEL = "label"
# (feature, SQL over the features table): skewed counts and amounts on a log scale. A
# feature's name must not be a column of the table (the frame carries both).
NUMERIC = (
    ("log_recency_days", "ln(1 + recency_days)"),
    ("log_days_since_first_purchase", "ln(1 + days_since_first_purchase)"),
    ("log_frequency", "ln(1 + frequency)"),
    ("log_monetary", "ln(1 + greatest(cast(monetary as double), 0))"),
    ("recency_over_usual_gap", "coalesce(recency_days / greatest(usual_gap_days, 1), 0)"),
    ("is_one_time_buyer", "cast(frequency = 1 as double)"),
    ("active_month_share", "active_months_to_date / (1 + days_since_first_purchase / 30.44)"),
    ("log_orders_last_3_months", "ln(1 + orders_last_3_months)"),
    # the three months before, not the trend against them: a linear model is the same
    # either way, but with the trend beside the recent orders its coefficient came out
    # positive, and "ordering more than before" read as a reason to lapse
    ("log_orders_previous_3_months", "ln(1 + orders_previous_3_months)"),
    (
        "log_net_revenue_last_3_months",
        "ln(1 + greatest(cast(net_revenue_last_3_months as double), 0))",
    ),
    ("return_rate_capped", "least(cast(return_rate as double), 1)"),
    ("log_categories_to_date", "ln(1 + categories_to_date)"),
    ("top_category_share_filled", "coalesce(cast(top_category_share as double), 1)"),
)
# How a driver reads, per feature: (above the average customer, below it); "recent" is the
# last three months, "before" the three months before them.
WORDS = {
    "log_recency_days": ("long since the last purchase", "bought recently"),
    "log_days_since_first_purchase": ("customer for long", "new customer"),
    "log_frequency": ("many orders", "few orders"),
    "log_monetary": ("high spend", "low spend"),
    "recency_over_usual_gap": ("overdue for their usual gap", "within their usual gap"),
    "is_one_time_buyer": ("one order only", "repeat buyer"),
    "active_month_share": ("buys in most months", "buys in few months"),
    "log_orders_last_3_months": ("many recent orders", "few recent orders"),
    "log_orders_previous_3_months": ("many orders 4-6 months ago", "few orders 4-6 months ago"),
    "log_net_revenue_last_3_months": ("high recent spend", "low recent spend"),
    "return_rate_capped": ("returns much", "returns little"),
    "log_categories_to_date": ("buys many categories", "buys few categories"),
    "top_category_share_filled": ("buys mostly one category", "buys across categories"),
}  # fmt: skip
# the most frequent countries and channels of the labelled rows each get a 0/1 column
TOP_CATEGORIES = 4
TOP_DECILE = 0.10


class ChurnTrainingError(RetailError):
    """The churn model cannot be trained on this lake (no features, too little history)."""


@dataclass(frozen=True)
class Split:
    """Which cutoffs train, choose and test the model, and which one is scored."""

    train: tuple[date, ...]
    validation: date
    test: date
    refit: tuple[date, ...]  # every cutoff whose horizon ends by the test cutoff
    final: tuple[date, ...]  # every labelled cutoff: the production model's rows
    scored: date


def split_cutoffs(cutoffs: dict[date, date], labelled: set[date]) -> Split:
    """Split cutoffs (cutoff -> the end of its horizon) in time order; see the module doc."""
    done = sorted(labelled)
    if not done:
        raise ChurnTrainingError(
            "no cutoff has a complete horizon yet: the data must span more than "
            "`churn_horizon_days` (dbt var) after the first month-end"
        )
    test = done[-1]
    before_test = [c for c in done if cutoffs[c] <= test]
    if not before_test:
        raise ChurnTrainingError(
            f"too little history to train: no cutoff's horizon ends by the test cutoff {test}; "
            "the data needs about three horizons"
        )
    validation = before_test[-1]
    train = tuple(c for c in done if cutoffs[c] <= validation)
    if not train:
        raise ChurnTrainingError(
            f"too little history to train: no cutoff's horizon ends by the validation cutoff "
            f"{validation} (test cutoff {test}); the data needs about three horizons"
        )
    return Split(
        train=train,
        validation=validation,
        test=test,
        refit=tuple(before_test),
        final=tuple(done),
        scored=max(cutoffs),
    )


# --- metrics, computed the same way for the model and the baselines ------------------------


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve: the chance a churner scores above a non-churner (ties half)."""
    label = label.astype(bool)
    positives, negatives = int(label.sum()), int((~label).sum())
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[label].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def precision_at_top(score: np.ndarray, label: np.ndarray, share: float = TOP_DECILE) -> float:
    """Churn rate among the `share` of customers with the highest scores (ties by order)."""
    n = max(1, round(len(score) * share))
    top = np.argsort(-score, kind="stable")[:n]
    return float(label[top].mean())


def calibration(probability: np.ndarray, label: np.ndarray, bins: int = 10) -> list[dict]:
    """Per decile of predicted probability: customers, mean predicted, actual churn rate."""
    frame = pd.DataFrame({"p": probability, "y": label.astype(float)})
    frame["decile"] = pd.qcut(frame["p"].rank(method="first"), bins, labels=False) + 1
    grouped = frame.groupby("decile").agg(
        n=("y", "size"), predicted=("p", "mean"), actual=("y", "mean")
    )
    return [
        {
            "decile": int(d),
            "customers": int(r.n),
            "predicted": round(float(r.predicted), 4),
            "actual": round(float(r.actual), 4),
        }
        for d, r in grouped.iterrows()
    ]


def rule_score(frame: pd.DataFrame) -> np.ndarray:
    """The customer marts' churn rule as a score: days since the last purchase over the usual
    gap between purchases (macros/usual_gap_days.sql; the rule flags a ratio above
    `churn_gap_multiple`, so ranking by the ratio is the rule at every threshold)."""
    gap = frame["usual_gap_days"].astype(float).fillna(1.0).clip(lower=1.0)
    return (frame["recency_days"].astype(float) / gap).to_numpy()


# --- features -----------------------------------------------------------------------------


def feature_frame(spark: SparkSession) -> tuple[DataFrame, dict[str, tuple[str, str]]]:
    """The features table with the model's columns computed; their names, each with how a
    driver reads above and below the average (WORDS; the 0/1 columns of countries and
    channels name their value)."""
    if not spark.catalog.tableExists(FEATURES):
        raise ChurnTrainingError(
            f"{FEATURES} is not built: run `dbt build` (or `retail run`) before `retail train`"
        )
    table = spark.table(FEATURES)
    frame = table.select(
        "*",
        *(F.expr(sql).cast("double").alias(name) for name, sql in NUMERIC),
        F.col("churned").cast("double").alias(LABEL),
    )
    columns = {name: WORDS[name] for name, _ in NUMERIC}
    for source in ("country", "sales_channel"):
        values = [
            r[0]
            for r in table.where(f"is_labelled and {source} is not null")
            .groupBy(source)
            .count()
            .orderBy(F.desc("count"), source)
            .limit(TOP_CATEGORIES + 1)
            .collect()
        ]
        # the values beyond the top ones are the group the 0/1 columns are read against;
        # with no such values, the least frequent one is (one column per value would always
        # sum to 1, which says nothing the intercept does not)
        top = values[:TOP_CATEGORIES] if len(values) > TOP_CATEGORIES else values[:-1]
        for i, value in enumerate(top):
            name = f"{source}_is_{i}"
            frame = frame.withColumn(name, (F.col(source) == F.lit(value)).cast("double"))
            label = source.replace("sales_", "")
            columns[name] = (f"{label} {value}", f"{label} not {value}")
    return frame, columns


# --- training -----------------------------------------------------------------------------


def pipeline(columns: list[str], kind: str, seed: int):
    """Assemble and standardise the features, then the classifier of `kind` (KINDS)."""
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import GBTClassifier, LogisticRegression
    from pyspark.ml.feature import StandardScaler, VectorAssembler

    stages = [
        VectorAssembler(inputCols=columns, outputCol="raw_features", handleInvalid="keep"),
        StandardScaler(inputCol="raw_features", outputCol="features", withMean=True),
    ]
    if kind == "logistic_regression":
        stages.append(LogisticRegression(labelCol=LABEL, regParam=0.01, maxIter=100))
    else:
        stages.append(
            GBTClassifier(labelCol=LABEL, maxDepth=4, maxIter=40, stepSize=0.1, seed=seed)
        )
    return Pipeline(stages=stages)


KINDS = ("logistic_regression", "gradient_boosted_trees")


def probabilities(model, frame: DataFrame, keep: list[str]) -> pd.DataFrame:
    from pyspark.ml.functions import vector_to_array

    scored = model.transform(frame).select(
        *keep, vector_to_array("probability")[1].alias("churn_probability")
    )
    return scored.toPandas()


def in_cutoffs(frame: DataFrame, cutoffs) -> DataFrame:
    return frame.where(F.col("cutoff_date").isin(list(cutoffs)))


@dataclass
class Run:
    run_id: str
    trained_at: datetime
    model: str
    seed: int
    horizon_days: int
    train_cutoffs: str
    validation_cutoff: date
    test_cutoff: date
    scored_cutoff: date
    validation_auc_logistic: float
    validation_auc_trees: float
    test_customers: int
    test_churn_rate: float
    auc: float
    precision_top_decile: float
    brier: float
    base_rate_brier: float
    calibration: str
    rule_auc: float
    rule_precision_top_decile: float
    recency_auc: float
    recency_precision_top_decile: float
    beats_baselines: bool
    features_version: int
    model_path: str

    def summary(self) -> str:
        lines = [
            f"churn model {self.run_id}: {self.model.replace('_', ' ')} (chosen on the "
            f"validation cutoff {self.validation_cutoff}: AUC logistic "
            f"{self.validation_auc_logistic:.3f}, trees {self.validation_auc_trees:.3f})",
            f"  held-out cutoff {self.test_cutoff}: {self.test_customers:,} active customers, "
            f"{self.test_churn_rate:.1%} made no purchase in the next {self.horizon_days} days",
            f"  {'':<28}{'AUC':>7}{'precision@top10%':>18}",
            f"  {'model':<28}{self.auc:>7.3f}{self.precision_top_decile:>18.3f}",
            f"  {'rule (recency / usual gap)':<28}{self.rule_auc:>7.3f}"
            f"{self.rule_precision_top_decile:>18.3f}",
            f"  {'recency alone':<28}{self.recency_auc:>7.3f}"
            f"{self.recency_precision_top_decile:>18.3f}",
            f"  calibration: Brier {self.brier:.4f} (the base rate alone: "
            f"{self.base_rate_brier:.4f})",
            "  the model beats both baselines on AUC and precision"
            if self.beats_baselines
            else "  the model does NOT beat both baselines on this cutoff",
            f"  scored cutoff {self.scored_cutoff}: {SCORES}",
        ]
        return "\n".join(lines)


def train(spark: SparkSession, seed: int = 42, model_dir: Path | None = None) -> Run:
    """Fit, choose, test and score; write the scores and the run row; return the run."""
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    frame, names = feature_frame(spark)
    columns = list(names)
    bounds = frame.select("cutoff_date", "horizon_end_date", "is_labelled").distinct().collect()
    cutoffs = {r.cutoff_date: r.horizon_end_date for r in bounds}
    split = split_cutoffs(cutoffs, {r.cutoff_date for r in bounds if r.is_labelled})
    horizon = (cutoffs[split.test] - split.test).days
    frame = frame.cache()
    log.info(
        "churn: %d training cutoffs (%s to %s), validation %s, test %s",
        len(split.train),
        split.train[0],
        split.train[-1],
        split.validation,
        split.test,
    )

    evaluator = BinaryClassificationEvaluator(labelCol=LABEL, rawPredictionCol="rawPrediction")
    validation_auc = {}
    for kind in KINDS:
        fitted = pipeline(columns, kind, seed).fit(in_cutoffs(frame, split.train))
        validation_auc[kind] = evaluator.evaluate(
            fitted.transform(in_cutoffs(frame, [split.validation]))
        )
    chosen = max(KINDS, key=lambda k: validation_auc[k])

    tested = pipeline(columns, chosen, seed).fit(in_cutoffs(frame, split.refit))
    test = probabilities(
        tested,
        in_cutoffs(frame, [split.test]),
        ["customer_id", "recency_days", "usual_gap_days", LABEL],
    )
    y = test[LABEL].to_numpy()
    p = test["churn_probability"].to_numpy()
    rule, recency = rule_score(test), test["recency_days"].astype(float).to_numpy()
    metrics = dict(
        auc=auc(p, y),
        precision_top_decile=precision_at_top(p, y),
        rule_auc=auc(rule, y),
        rule_precision_top_decile=precision_at_top(rule, y),
        recency_auc=auc(recency, y),
        recency_precision_top_decile=precision_at_top(recency, y),
    )
    beats = all(
        metrics[m] > max(metrics[f"rule_{m}"], metrics[f"recency_{m}"])
        for m in ("auc", "precision_top_decile")
    )

    final = pipeline(columns, chosen, seed).fit(in_cutoffs(frame, split.final))
    explainer = (
        final
        if chosen == "logistic_regression"
        else pipeline(columns, "logistic_regression", seed).fit(in_cutoffs(frame, split.final))
    )
    latest = in_cutoffs(frame, [split.scored])
    scores = probabilities(final, latest, ["customer_id", "cutoff_date"])
    drivers = top_drivers(explainer, latest, names)
    scores = scores.merge(drivers, on="customer_id", how="left")

    run_id = ml_store.new_run_id()
    model_path = (model_dir or ml_store.model_dir(spark, "churn")) / run_id
    final.write().overwrite().save(str(model_path))
    run = Run(
        run_id=run_id,
        trained_at=ml_store.utc_now(),
        model=chosen,
        seed=seed,
        horizon_days=horizon,
        train_cutoffs=",".join(str(c) for c in split.train),
        validation_cutoff=split.validation,
        test_cutoff=split.test,
        scored_cutoff=split.scored,
        validation_auc_logistic=validation_auc["logistic_regression"],
        validation_auc_trees=validation_auc["gradient_boosted_trees"],
        test_customers=len(test),
        test_churn_rate=float(y.mean()),
        brier=float(np.mean((p - y) ** 2)),
        base_rate_brier=float(np.mean((y.mean() - y) ** 2)),
        calibration=json.dumps(calibration(p, y)),
        beats_baselines=beats,
        features_version=ml_store.table_version(spark, FEATURES),
        model_path=str(model_path),
        **metrics,
    )
    write(spark, run, scores)
    frame.unpersist()
    return run


def top_drivers(
    explainer, frame: DataFrame, names: dict[str, tuple[str, str]], n: int = 3
) -> pd.DataFrame:
    """Per customer, the `n` features adding most to the risk in the logistic model
    (`explain`), from the model's standardised features."""
    from pyspark.ml.functions import vector_to_array

    coefficients = np.asarray(explainer.stages[-1].coefficients.toArray())
    scaled = (
        explainer.transform(frame)
        .select("customer_id", vector_to_array("features").alias("x"))
        .toPandas()
    )
    x = np.vstack(scaled["x"].to_numpy()) if len(scaled) else np.zeros((0, len(names)))
    drivers = explain(x, coefficients, list(names.values()), n)
    customers = scaled["customer_id"]
    rows = [[c, *d, *[None] * (n - len(d))] for c, d in zip(customers, drivers, strict=True)]
    return pd.DataFrame(rows, columns=["customer_id", *(f"driver_{k + 1}" for k in range(n))])


def explain(
    x: np.ndarray, coefficients: np.ndarray, words: list[tuple[str, str]], n: int = 3
) -> list[list[str]]:
    """Per row of standardised features `x`, the words of the (at most) `n` features whose
    coefficient times value raises the risk most, largest first: a feature above the average
    reads as its first word, below as its second (`words`, in the columns' order). Features
    that lower the risk, or are missing (NaN), are never drivers."""
    contribution = np.nan_to_num(x * coefficients)
    order = np.argsort(-contribution, axis=1, kind="stable")[:, :n]
    return [
        [words[j][0 if x[i, j] > 0 else 1] for j in order[i] if contribution[i, j] > 0]
        for i in range(len(x))
    ]


def write(spark: SparkSession, run: Run, scores: pd.DataFrame) -> None:
    """Replace the scores, then append the run row (tables made by dbt's on-run-start)."""
    ml_store.require(spark, SCORES, RUNS)
    ml_store.replace_rows(spark, SCORES, scores.assign(run_id=run.run_id))
    ml_store.append_run(spark, RUNS, run)
