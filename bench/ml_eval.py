"""The predictive marts on the real data: churn model and recommender against baselines.

    .venv/bin/python bench/ml_eval.py                        # ../shared/data, own lake
    .venv/bin/python bench/ml_eval.py --lake /tmp/some-lake  # a lake already built

Loads the files into a lake of its own (or opens `--lake`), builds the models both read
(`int_customer_churn_features`, `int_customer_product_months`; seeds and models, no tests),
then runs `retail train`'s training (src/retail_analytics/churn.py, recommend.py) and prints
the held-out summaries and the churn model's calibration by decile as Markdown (BENCHMARKS.md
quotes them). The training is seeded, so a rerun on the same data prints the same figures.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = [
    "build",
    "--select",
    "+int_customer_churn_features",
    "+int_customer_product_months",
    "--resource-type",
    "model",
    "--resource-type",
    "seed",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--lake", type=Path, help="a lake with the models of BUILD built")
    parser.add_argument("--build", action="store_true", help="build BUILD on --lake first")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from retail_analytics import churn, pipeline, recommend
    from retail_analytics.spark import get_spark, lake_environment

    folder = args.lake or Path(tempfile.mkdtemp(prefix="retail-churn-"))
    print(f"lake: {folder}")
    os.environ.update(lake_environment(folder))
    spark = get_spark()
    if args.lake is None:
        pipeline.ingest_paths([args.data])
    if args.lake is None or args.build:
        pipeline.dbt(BUILD)
    started = time.perf_counter()
    run = churn.train(spark, seed=args.seed)
    seconds = time.perf_counter() - started
    print(f"\n{run.summary()}\n  (trained, tested and scored in {seconds:.1f} s)\n")
    print(f"train cutoffs: {run.train_cutoffs}\n")
    print("| decile of predicted probability | customers | mean predicted | actual churn rate |")
    print("|---:|---:|---:|---:|")
    for row in json.loads(run.calibration):
        print(
            f"| {row['decile']} | {row['customers']:,} | {row['predicted']:.3f} "
            f"| {row['actual']:.3f} |"
        )
    started = time.perf_counter()
    recommender = recommend.train(spark, seed=args.seed)
    seconds = time.perf_counter() - started
    print(f"\n{recommender.summary()}\n  (chosen, tested and scored in {seconds:.1f} s)")


if __name__ == "__main__":
    main()
