"""Product recommendations per customer: Spark MLlib ALS on implicit feedback.

dbt builds what customers bought (`int_customer_product_months`: a row per customer, goods product
and month). This module learns item and customer factors from how often each customer bought
each product (ALS with implicit preferences) and writes, per customer, the top products
they do not already buy every month, each with the product they bought that it is most
like (by the learnt item factors) as the reason.

- **Held-out check.** The last complete month is held out: a model trained on the months
  before it recommends to every customer who bought before it and in it; a *hit* is a
  recommended product they bought in that month. Hit rate at 10 (customers with a hit ÷
  customers) and coverage (products recommended to anyone ÷ products bought in the training
  months) are compared with the popularity baseline: the products most customers bought in
  the three months before, minus each customer's own habitual ones.
- **Chosen on an earlier month.** The ALS settings (rank, confidence scale) are chosen by
  hit rate on the month before the held-out one, from a model trained on the months before
  that, so the held-out figures are not the ones the settings were picked on.
- **Habitual products** (bought in each of the customer's last `HABIT_MONTHS` calendar
  months) are never recommended: the customer needs no reminder.

Writes `ml.customer_recommendations` and `ml.product_neighbours` (each product's ten closest
by the learnt factors: "bought by the same customers", which "bought with" uses beyond the
market basket's frequent pairs), both replaced, and a row of `ml.recommendation_runs`, all
created by dbt's on-run-start (macros/ensure_ml_tables.sql).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession

from retail_analytics import ml_store
from retail_analytics.errors import RetailError

log = logging.getLogger(__name__)

PURCHASES = "intermediate.int_customer_product_months"
MONTHS = "intermediate.int_calendar_months"
RECOMMENDATIONS = "ml.customer_recommendations"
NEIGHBOURS = "ml.product_neighbours"
RUNS = "ml.recommendation_runs"
TOP_N = 10
HABIT_MONTHS = 3
POPULAR_MONTHS = 3
# (ALS rank, alpha): the candidates the validation month chooses between
SETTINGS = ((16, 5.0), (32, 20.0))
REG_PARAM = 0.1
MAX_ITER = 10


class RecommendationError(RetailError):
    """Recommendations cannot be trained on this lake (not built, too little history)."""


@dataclass
class Run:
    run_id: str
    trained_at: datetime
    seed: int
    als_rank: int
    alpha: float
    validation_month: date
    validation_hit_rate_at_10: float
    holdout_month: date
    test_customers: int
    hit_rate_at_10: float
    popularity_hit_rate_at_10: float
    coverage: float
    popularity_coverage: float
    beats_popularity: bool
    customers_scored: int
    purchases_version: int
    model_path: str
    # every candidate's validation hit rate, for the summary (not a column of RUNS)
    candidates: str = ""

    def summary(self) -> str:
        return "\n".join(
            [
                f"recommendations {self.run_id}: ALS rank {self.als_rank}, alpha "
                f"{self.alpha:g} (chosen on {self.validation_month}: {self.candidates})",
                f"  held-out month {self.holdout_month}: {self.test_customers:,} customers "
                "who bought before and in it",
                f"  {'':<24}{'hit rate@10':>12}{'coverage':>10}",
                f"  {'ALS':<24}{self.hit_rate_at_10:>12.3f}{self.coverage:>10.3f}",
                f"  {'popularity (3 months)':<24}{self.popularity_hit_rate_at_10:>12.3f}"
                f"{self.popularity_coverage:>10.3f}",
                "  ALS beats the popularity baseline on hit rate"
                if self.beats_popularity
                else "  ALS does NOT beat the popularity baseline on hit rate",
                f"  {self.customers_scored:,} customers scored: {RECOMMENDATIONS}",
            ]
        )


def months_before(month: date, n: int) -> date:
    """The first day of the month `n` months before `month` (a first of the month)."""
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def habitual(purchases: pd.DataFrame, before: date, months: int = HABIT_MONTHS) -> pd.DataFrame:
    """(customer_id, stock_code) bought in each of the `months` calendar months before
    `before`."""
    start = months_before(before, months)
    recent = purchases[(purchases.purchase_month >= start) & (purchases.purchase_month < before)]
    counts = recent.groupby(["customer_id", "stock_code"]).purchase_month.nunique()
    return counts[counts >= months].reset_index()[["customer_id", "stock_code"]]


def hit_rate(recommended: dict[str, list[str]], bought: dict[str, set[str]]) -> float:
    """Share of the customers in `bought` with at least one recommended product bought."""
    if not bought:
        return math.nan
    hits = sum(1 for c, items in bought.items() if items & set(recommended.get(c, [])))
    return hits / len(bought)


def coverage(recommended: dict[str, list[str]], catalogue: int) -> float:
    """Distinct products recommended to anyone ÷ products in the catalogue."""
    distinct = {item for items in recommended.values() for item in items}
    return len(distinct) / catalogue if catalogue else math.nan


def popular(purchases: pd.DataFrame, before: date, customers, excluded: pd.DataFrame, n: int):
    """Per customer: the `n` products most customers bought in the POPULAR_MONTHS before
    `before`, minus the customer's `excluded` ones."""
    start = months_before(before, POPULAR_MONTHS)
    recent = purchases[(purchases.purchase_month >= start) & (purchases.purchase_month < before)]
    ranking = recent.groupby("stock_code").customer_id.nunique().sort_values(ascending=False)
    ranked = list(ranking.index[: n + 50])
    skip = excluded.groupby("customer_id").stock_code.apply(set).to_dict()
    return {c: [i for i in ranked if i not in skip.get(c, set())][:n] for c in customers}


class Indexed:
    """Dense integer ids for customers and products, as ALS needs."""

    def __init__(self, purchases: pd.DataFrame) -> None:
        self.customers = {c: i for i, c in enumerate(sorted(purchases.customer_id.unique()))}
        self.items = {s: i for i, s in enumerate(sorted(purchases.stock_code.unique()))}
        self.item_of = {i: s for s, i in self.items.items()}

    def ratings(self, spark: SparkSession, purchases: pd.DataFrame) -> DataFrame:
        """One row per customer and product: log(1 + purchase invoices) as the confidence."""
        summed = purchases.groupby(["customer_id", "stock_code"]).purchase_invoices.sum()
        frame = summed.reset_index()
        frame["user"] = frame.customer_id.map(self.customers).astype("int32")
        frame["item"] = frame.stock_code.map(self.items).astype("int32")
        frame["rating"] = np.log1p(frame.purchase_invoices.astype(float))
        return spark.createDataFrame(frame[["user", "item", "rating"]])


def fit(spark, index: Indexed, purchases: pd.DataFrame, rank: int, alpha: float, seed: int):
    from pyspark.ml.recommendation import ALS

    als = ALS(
        rank=rank,
        alpha=alpha,
        regParam=REG_PARAM,
        maxIter=MAX_ITER,
        implicitPrefs=True,
        userCol="user",
        itemCol="item",
        ratingCol="rating",
        coldStartStrategy="drop",
        seed=seed,
    )
    return als.fit(index.ratings(spark, purchases))


@dataclass(frozen=True)
class Factors:
    """A fitted ALS model's factors, collected from Spark once: a row per customer and a row
    per product, with the customer id and stock code of each row."""

    user_row: dict[str, int]
    users: np.ndarray
    codes: list[str]
    items: np.ndarray

    @classmethod
    def of(cls, model, index: Indexed) -> Factors:
        users = model.userFactors.orderBy("id").toPandas()
        items = model.itemFactors.orderBy("id").toPandas()
        customer_of = {i: c for c, i in index.customers.items()}
        return cls(
            user_row={customer_of[int(u)]: row for row, u in enumerate(users.id)},
            users=np.vstack(users.features.to_numpy()),
            codes=[index.item_of[int(i)] for i in items.id],
            items=np.vstack(items.features.to_numpy()),
        )

    def unit_items(self, dtype=np.float64) -> np.ndarray:
        """The product rows scaled to length 1: their products are cosines."""
        vectors = self.items.astype(dtype)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def recommend(factors: Factors, customers, excluded: pd.DataFrame, n: int = TOP_N):
    """Per customer (known to the model): the top `n` products, minus `excluded` ones, as
    [(stock_code, score)]."""
    skip = excluded.groupby("customer_id").stock_code.apply(set).to_dict()
    out = {}
    for customer in customers:
        row = factors.user_row.get(customer)
        if row is None:
            continue
        scores = factors.items @ factors.users[row]
        skipped = skip.get(customer, set())
        chosen = []
        for position in np.argsort(-scores):
            stock_code = factors.codes[position]
            if stock_code in skipped:
                continue
            chosen.append((stock_code, float(scores[position])))
            if len(chosen) == n:
                break
        out[customer] = chosen
    return out


def evaluate(spark, purchases, month: date, rank: int, alpha: float, seed: int):
    """Train on the months before `month`; hit rates and coverages of ALS and popularity."""
    history = purchases[purchases.purchase_month < month]
    actual = purchases[purchases.purchase_month == month]
    known = set(history.customer_id)
    bought = {c: set(items) for c, items in actual.groupby("customer_id").stock_code if c in known}
    index = Indexed(history)
    factors = Factors.of(fit(spark, index, history, rank, alpha, seed), index)
    excluded = habitual(history, month)
    recs = {c: [s for s, _ in r] for c, r in recommend(factors, bought, excluded).items()}
    baseline = popular(history, month, bought, excluded, TOP_N)
    catalogue = history.stock_code.nunique()
    return {
        "customers": len(bought),
        "hit_rate": hit_rate(recs, bought),
        "popularity_hit_rate": hit_rate(baseline, bought),
        "coverage": coverage(recs, catalogue),
        "popularity_coverage": coverage(baseline, catalogue),
    }


def because(factors: Factors, purchases: pd.DataFrame, recs) -> dict:
    """(customer, recommended product) -> the other product the customer bought that is most
    like it (cosine of the learnt item factors)."""
    unit = factors.unit_items()
    row_of = {code: row for row, code in enumerate(factors.codes)}
    history = purchases.groupby("customer_id").stock_code.apply(lambda s: sorted(set(s))).to_dict()
    reasons = {}
    for customer, chosen in recs.items():
        own = [s for s in history.get(customer, []) if s in row_of]
        if not own:
            continue
        matrix = unit[[row_of[s] for s in own]]
        for stock_code, _ in chosen:
            similarity = matrix @ unit[row_of[stock_code]]
            similarity[[i for i, s in enumerate(own) if s == stock_code]] = -np.inf
            if np.isfinite(similarity).any():  # the closest product other than itself
                reasons[(customer, stock_code)] = own[int(np.argmax(similarity))]
    return reasons


def neighbours(factors: Factors, n: int = TOP_N) -> pd.DataFrame:
    """Per product, the `n` others whose learnt factors are closest (cosine): bought by the
    same customers. Rows: stock_code, neighbour_rank, neighbour_stock_code, similarity."""
    codes = factors.codes
    vectors = factors.unit_items(np.float32)
    rows = []
    for start in range(0, len(codes), 512):  # a block of rows at a time: bounded memory
        similarity = vectors[start : start + 512] @ vectors.T
        for offset, row in enumerate(similarity):
            row[start + offset] = -np.inf  # not itself
            best = np.argsort(-row)[:n]
            rows.extend(
                (codes[start + offset], rank + 1, codes[j], float(row[j]))
                for rank, j in enumerate(best)
            )
    return pd.DataFrame(
        rows, columns=["stock_code", "neighbour_rank", "neighbour_stock_code", "similarity"]
    )


def train(spark: SparkSession, seed: int = 42, model_dir: Path | None = None) -> Run:
    """Choose, test, fit on everything and score every customer; write the tables."""
    for table in (PURCHASES, MONTHS):
        if not spark.catalog.tableExists(table):
            raise RecommendationError(f"{table} is not built: run `dbt build` first")
    purchases = spark.table(PURCHASES).toPandas()
    complete = [
        r[0]
        for r in spark.table(MONTHS).where("is_complete_month").select("calendar_month").collect()
    ]
    if len(complete) < HABIT_MONTHS + 3 or purchases.empty:
        raise RecommendationError(
            f"too little history to train recommendations: {len(complete)} complete months "
            f"(at least {HABIT_MONTHS + 3} needed)"
        )
    holdout = max(complete)
    validation = months_before(holdout, 1)
    tried = {s: evaluate(spark, purchases, validation, *s, seed)["hit_rate"] for s in SETTINGS}
    rank, alpha = max(SETTINGS, key=lambda s: tried[s])
    log.info("recommendations: validation hit rates %s", tried)
    held_out = evaluate(spark, purchases, holdout, rank, alpha, seed)

    index = Indexed(purchases)
    model = fit(spark, index, purchases, rank, alpha, seed)
    last = max(purchases.purchase_month)
    excluded = habitual(purchases, months_before(last, -1))  # the months up to the last
    customers = sorted(index.customers)
    factors = Factors.of(model, index)
    recs = recommend(factors, customers, excluded)
    reasons = because(factors, purchases, recs)

    run_id = ml_store.new_run_id()
    model_path = (model_dir or ml_store.model_dir(spark, "recommendations")) / run_id
    model.write().overwrite().save(str(model_path))
    run = Run(
        run_id=run_id,
        trained_at=ml_store.utc_now(),
        seed=seed,
        als_rank=rank,
        alpha=alpha,
        validation_month=validation,
        validation_hit_rate_at_10=tried[(rank, alpha)],
        holdout_month=holdout,
        test_customers=held_out["customers"],
        hit_rate_at_10=held_out["hit_rate"],
        popularity_hit_rate_at_10=held_out["popularity_hit_rate"],
        coverage=held_out["coverage"],
        popularity_coverage=held_out["popularity_coverage"],
        beats_popularity=bool(held_out["hit_rate"] > held_out["popularity_hit_rate"]),
        customers_scored=len(recs),
        purchases_version=ml_store.table_version(spark, PURCHASES),
        model_path=str(model_path),
        candidates="; ".join(
            f"rank {r}, alpha {a:g}: hit rate {tried[(r, a)]:.3f}" for r, a in SETTINGS
        ),
    )
    bought = purchases.groupby("customer_id").stock_code.apply(set).to_dict()
    rows = pd.DataFrame(
        [
            (run_id, customer, position + 1, stock_code, score,
             stock_code in bought.get(customer, set()), reasons.get((customer, stock_code)))
            for customer, chosen in recs.items()
            for position, (stock_code, score) in enumerate(chosen)
        ],
        columns=["run_id", "customer_id", "recommendation_rank", "stock_code", "score",
                 "bought_before", "because_stock_code"],
    )  # fmt: skip
    write(spark, run, rows, neighbours(factors).assign(run_id=run_id))
    return run


def write(spark: SparkSession, run: Run, rows: pd.DataFrame, similar: pd.DataFrame) -> None:
    """Replace the recommendations and the product neighbours, then append the run row."""
    ml_store.require(spark, RECOMMENDATIONS, NEIGHBOURS, RUNS)
    ml_store.replace_rows(spark, RECOMMENDATIONS, rows)
    ml_store.replace_rows(spark, NEIGHBOURS, similar)
    ml_store.append_run(spark, RUNS, run)
