"""The fixed cost of small Delta operations against Parquet, on a scratch warehouse.

    .venv/bin/python bench/delta_overhead.py [--runs 15]

One-row appends (`insertInto`, as ingest writes its load-log row) and `select count(*)`
on a Delta and a Parquet table, then the append again with Delta's file statistics and
checksum files switched off. Prints the median and the slowest of each, in seconds.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="delta_overhead_"))
    os.environ.update(
        RETAIL_WAREHOUSE_DIR=str(folder / "spark-warehouse"),
        RETAIL_METASTORE_DIR=str(folder / "metastore_db"),
        RETAIL_SPARK_UI="false",
        RETAIL_SHUFFLE_PARTITIONS="4",
    )
    from retail_analytics.spark import get_spark

    spark = get_spark()
    try:
        spark.sql("create database if not exists bench")
        for fmt in ("delta", "parquet"):
            spark.sql(f"create table bench.{fmt} (a string, b bigint, c timestamp) using {fmt}")
        schema = spark.table("bench.delta").schema

        def append(table: str) -> Callable[[], None]:
            def run() -> None:
                row = [("x", 1, datetime.datetime.now())]
                spark.createDataFrame(row, schema).write.insertInto(table)

            return run

        def count(table: str) -> Callable[[], None]:
            return lambda: spark.sql(f"select count(*) from {table}").collect()

        for table in ("bench.delta", "bench.parquet"):  # warm-up: JIT, first snapshot
            timed(append(table), 5)
        rows = [
            ("append one row, Delta", timed(append("bench.delta"), args.runs)),
            ("append one row, Parquet", timed(append("bench.parquet"), args.runs)),
            ("select count(*), Delta", timed(count("bench.delta"), args.runs)),
            ("select count(*), Parquet", timed(count("bench.parquet"), args.runs)),
        ]
        spark.conf.set("spark.databricks.delta.stats.collect", "false")
        spark.conf.set("spark.databricks.delta.writeChecksumFile.enabled", "false")
        rows.append(
            ("append one row, Delta, no stats or checksum", timed(append("bench.delta"), args.runs))
        )
        print(f"{'operation':46s} {'median':>7s} {'slowest':>8s}")
        for label, times in rows:
            print(f"{label:46s} {statistics.median(times):7.2f} {max(times):8.2f}")
    finally:
        spark.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
