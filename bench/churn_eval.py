"""The churn model on the real data: held-out metrics against the two baselines.

    .venv/bin/python bench/churn_eval.py                        # ../shared/data, own lake
    .venv/bin/python bench/churn_eval.py --lake /tmp/some-lake  # a lake already built

Loads the files into a lake of its own (or opens `--lake`), builds the models up to
`int_customer_churn_features` (seeds and models, no tests), then runs `retail train`'s
training (src/retail_analytics/churn.py) and prints its summary and the calibration by
decile as Markdown (BENCHMARKS.md quotes it). The training is seeded, so a rerun on the same
data prints the same figures.
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
    "--resource-type",
    "model",
    "--resource-type",
    "seed",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--lake", type=Path, help="a lake with the churn features built")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from retail_analytics import churn, pipeline
    from retail_analytics.spark import get_spark, lake_environment

    folder = args.lake or Path(tempfile.mkdtemp(prefix="retail-churn-"))
    print(f"lake: {folder}")
    os.environ.update(lake_environment(folder))
    spark = get_spark()
    if args.lake is None:
        pipeline.ingest_paths([args.data])
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


if __name__ == "__main__":
    main()
