"""Holdout check of the customer value model: predicted vs actual next-period revenue.

    .venv/bin/python bench/clv_holdout.py                      # ../shared/data, own lake
    .venv/bin/python bench/clv_holdout.py --lake /tmp/some-lake  # a lake already built

`fct_customer_lifetime_value` is compiled as of a past date (`--as-of`, default 2010-12-01,
so its `clv_horizon_days` (365) after it are all in the UCI data) with dbt's own SQL and run
on the lake's `int_invoices_aggregated`: the model sees only invoices before that date. Each
customer's prediction is compared with the net revenue they actually brought in the 365 days
after it, and so is a naive baseline: the customer's net revenue in the 365 days before it,
repeated. Prints a Markdown table (BENCHMARKS.md quotes it); `--sweep` adds the model's two
parameters over a grid, at an earlier as-of date and at this one.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMPILED = Path("compiled/retail_analytics/models/marts/customers/fct_customer_lifetime_value.sql")


def score(spark, lake: Path, as_of: date, horizon: int, extra: dict | None = None):
    """One row of totals, errors and correlations of the model (compiled with `extra` vars)
    and the baselines, over the customers with a purchase before `as_of`."""
    from retail_analytics import pipeline

    variables = {"rfm_as_of": as_of.isoformat(), "clv_horizon_days": horizon, **(extra or {})}
    with contextlib.redirect_stdout(io.StringIO()):  # not dbt's echo of the compiled SQL
        pipeline.dbt(
            ["compile", "--select", "fct_customer_lifetime_value", "--vars", json.dumps(variables)]
        )
    predicted_sql = (lake / "target" / COMPILED).read_text()
    start, end = as_of, as_of + timedelta(days=horizon)
    before = as_of - timedelta(days=horizon)
    spark.sql(predicted_sql).createOrReplaceTempView("clv_predicted")
    row = spark.sql(
        f"""
        with actual as (
            select
                customer_id,
                sum(case when invoice_date >= date'{start}' and invoice_date < date'{end}'
                    then net_revenue else 0 end) as next_revenue,
                sum(case when invoice_date >= date'{before}' and invoice_date < date'{start}'
                    then net_revenue else 0 end) as last_revenue
            from intermediate.int_invoices_aggregated
            where customer_id is not null
            group by 1
        ),
        scored as (
            select
                p.predicted_net_revenue as model,
                coalesce(a.last_revenue, 0) as naive,
                coalesce(a.next_revenue, 0) as actual
            from clv_predicted as p
            left join actual as a on p.customer_id = a.customer_id
        )
        select
            count(*) as customers,
            sum(actual) as actual,
            sum(model) as model,
            sum(naive) as naive,
            avg(abs(model - actual)) as model_mae,
            avg(abs(naive - actual)) as naive_mae,
            avg(abs(actual)) as zero_mae,
            corr(model, actual) as model_corr,
            corr(naive, actual) as naive_corr,
            count_if(actual > 0) as returning
        from scored
        """
    ).first()
    spark.catalog.dropTempView("clv_predicted")
    return row


def open_lake(data: Path, lake: Path | None):
    """The session on `lake`, or on a lake of its own with `data` loaded and the models up to
    `int_invoices_aggregated` built; returns (spark, the lake's folder)."""
    from retail_analytics import pipeline
    from retail_analytics.spark import get_spark, lake_environment

    folder = lake or Path(tempfile.mkdtemp(prefix="retail-clv-"))
    os.environ.update(lake_environment(folder))
    spark = get_spark()
    if lake is None:
        pipeline.ingest_paths([data])
        pipeline.dbt(["run", "--select", "+int_invoices_aggregated"])
    return spark, folder


def sweep(spark, lake: Path) -> None:
    """The heuristic's two parameters over a grid, at an earlier as-of (180 days ahead) where
    they could be chosen, and at the holdout: does any setting beat the naive baseline?"""
    print("\n| as of | days ahead | churn_gap_multiple | clv_gap_prior_orders "
          "| model MAE | naive MAE | model total ÷ actual |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for as_of, horizon in ((date(2010, 6, 1), 180), (date(2010, 12, 1), 365)):
        for multiple in (3, 2, 1.5, 1, 0.75):
            for prior in (2, 5):
                extra = {"churn_gap_multiple": multiple, "clv_gap_prior_orders": prior}
                row = score(spark, lake, as_of, horizon, extra)
                print(
                    f"| {as_of} | {horizon} | {multiple} | {prior} | {float(row.model_mae):,.1f}"
                    f" | {float(row.naive_mae):,.1f} | {float(row.model) / float(row.actual):.2f} |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--lake", type=Path, help="a lake with int_invoices_aggregated built")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2010, 12, 1))
    parser.add_argument("--sweep", action="store_true", help="also try the parameter grid")
    args = parser.parse_args()

    spark, lake = open_lake(args.data, args.lake)
    horizon = 365
    row = score(spark, lake, args.as_of, horizon)
    start = args.as_of
    print(
        f"\nas of {start}: {row.customers:,} customers with a purchase before it; "
        f"{row.returning:,} bought again in the {horizon} days after it\n"
    )
    print(
        "| forecast of next-365-day net revenue | total | vs actual total "
        "| MAE per customer | correlation |"
    )
    print("|---|---:|---:|---:|---:|")
    actual = float(row.actual)
    for name, total, mae, corr in (
        ("model (fct_customer_lifetime_value)", row.model, row.model_mae, row.model_corr),
        ("naive: last 365 days repeated", row.naive, row.naive_mae, row.naive_corr),
        ("zero", 0.0, row.zero_mae, None),
    ):
        ratio = float(total) / actual if actual else float("nan")
        shown = "-" if corr is None else f"{corr:.3f}"
        print(f"| {name} | {float(total):,.0f} | {ratio:.2f} | {float(mae):,.1f} | {shown} |")
    print(f"| actual | {actual:,.0f} | 1.00 | | |")
    if args.sweep:
        sweep(spark, lake)


if __name__ == "__main__":
    main()
