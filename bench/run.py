"""Benchmarks: generator throughput, ingest throughput, staging build time.

Run with `make bench` (or `.venv/bin/python bench/run.py --lines 1000000`). Prints a
Markdown table; BENCHMARKS.md records the figures with the machine they came from.
Each step runs on a warehouse in a temporary folder, never the project's.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path


def timed(label: str, lines: int, fn, rows: list) -> None:
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    rows.append((label, lines, seconds))
    print(f"  {label}: {seconds:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000, help="lines for the Parquet run")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="retail-bench-"))
    os.environ.update(
        RETAIL_WAREHOUSE_DIR=str(work / "spark-warehouse"),
        RETAIL_METASTORE_DIR=str(work / "metastore_db"),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        RETAIL_SPARK_UI="false",
    )
    from retail_analytics import generate, pipeline
    from retail_analytics.spark import get_spark

    rows: list[tuple[str, int, float]] = []
    n = args.lines
    csv = work / "bench.csv.gz"
    for name in ("bench.csv", "bench.csv.gz", "bench.parquet", "bench.jsonl"):
        path = work / name
        timed(
            f"generate {name.split('.', 1)[1]}",
            n,
            lambda p=path: generate.write(p, n, progress=False),
            rows,
        )
    timed(
        f"generate parquet ({args.big:,} lines)",
        args.big,
        lambda: generate.write(work / "big.parquet", args.big, progress=False),
        rows,
    )
    timed("spark session start", 0, get_spark, rows)
    timed("ingest csv.gz", n, lambda: pipeline.ingest_paths([csv]), rows)
    timed(
        "dbt build staging (seed, model, tests)",
        n,
        lambda: pipeline.dbt(
            [
                "build",
                "--select",
                "+stg_online_retail__invoice_lines",
                "--indirect-selection",
                "cautious",
            ]
        ),
        rows,
    )

    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; data: generated, seed 42\n"
    )
    print("| step | lines | seconds | lines per second |")
    print("|---|---:|---:|---:|")
    for label, lines, seconds in rows:
        rate = f"{lines / seconds:,.0f}" if lines else "-"
        print(f"| {label} | {lines:,} | {seconds:.1f} | {rate} |")


if __name__ == "__main__":
    main()
