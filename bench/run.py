"""Benchmarks: the generator, and the main job (ingest, dbt build, simulated stock) end to end,
then one more day of data and the incremental `dbt build` after it.

`make bench` runs it on generated data; `.venv/bin/python bench/run.py --data ../shared/data`
on the real UCI files. It prints Markdown: the step timings, the slowest dbt nodes and the
forecast backtest. BENCHMARKS.md records the figures with the machine they came from. Every
step runs on a warehouse in a temporary folder, never the project's.
"""

from __future__ import annotations

import argparse
import json
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


def one_more_day(spark, path: Path) -> int:
    """Write the lake's last day of sales again, a day later and under new invoice numbers
    (`<invoice>N`), as a file of its own: one more day of data for an incremental build."""
    last = spark.sql("select max(to_date(invoiced_at)) as d from raw.transactions").first().d
    day = spark.sql(
        "select concat(invoice, 'N') as invoice, stock_code, description, quantity, "
        "invoiced_at + interval 1 day as invoiced_at, unit_price, customer_id, country, "
        f"sales_channel from raw.transactions where to_date(invoiced_at) = date '{last}'"
    ).toPandas()
    day.to_csv(path, index=False)
    return len(day)


def node_seconds(results: dict) -> dict[str, float]:
    """Seconds of a dbt command's nodes by kind: models, data tests, unit tests, seeds."""
    kinds: dict[str, float] = {}
    for node in results["results"]:
        kind = node["unique_id"].split(".", 1)[0]
        kinds[kind] = kinds.get(kind, 0.0) + node["execution_time"]
    return kinds


def print_slowest(title: str, results: dict, count: int = 12) -> None:
    """A Markdown table of a dbt command's slowest nodes (`run_results.json`)."""
    print(f"\nslowest nodes of {title}:\n")
    print("| node | seconds |")
    print("|---|---:|")
    nodes = sorted(results["results"], key=lambda r: r["execution_time"], reverse=True)
    for node in nodes[:count]:
        print(f"| {node['unique_id'].split('.', 2)[-1]} | {node['execution_time']:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="generated lines")
    parser.add_argument("--data", type=Path, help="real files to run the main job on")
    parser.add_argument("--skip-generator", action="store_true")
    args = parser.parse_args()

    from retail_analytics import generate, pipeline
    from retail_analytics.spark import get_spark, lake_environment

    work = Path(tempfile.mkdtemp(prefix="retail-bench-"))
    os.environ.update(lake_environment(work))

    rows: list[tuple[str, int, float]] = []
    n = args.lines
    source = args.data or work / "bench.csv.gz"
    if not args.skip_generator or args.data is None:
        for name in ("bench.csv.gz", "bench.csv", "bench.parquet", "bench.jsonl"):
            path = work / name
            timed(
                f"generate {name.split('.', 1)[1]}",
                n,
                lambda p=path: generate.write(p, n, progress=False),
                rows,
            )
    timed("spark session start (JVM, UDF registration)", 0, get_spark, rows)
    results: list = []
    timed("ingest", 0, lambda: results.extend(pipeline.ingest_paths([source])), rows)
    loaded = sum(r.rows_loaded for r in results)
    timed("dbt build (every model and test)", loaded, lambda: pipeline.dbt(["build"]), rows)
    build_results = json.loads((work / "target" / "run_results.json").read_text())
    timed("simulate stock and load it", 0, pipeline.simulate_inventory, rows)
    timed(
        "dbt build of the stock models",
        0,
        lambda: pipeline.rebuild([pipeline.INVENTORY_SOURCES]),
        rows,
    )
    timed("train the churn model and the recommender", 0, pipeline.train_models, rows)

    spark = get_spark()
    day_file = work / "one_more_day.csv"
    day_lines = one_more_day(spark, day_file)
    timed("ingest one more day", day_lines, lambda: pipeline.ingest_paths([day_file]), rows)
    timed(
        "dbt build after one more day (incremental)",
        day_lines,
        lambda: pipeline.dbt(["build"]),
        rows,
    )
    day_results = json.loads((work / "target" / "run_results.json").read_text())

    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; data: {args.data or f'generated, {n:,} lines, seed 42'}"
        f"; {loaded:,} lines loaded\n"
    )
    print("| step | lines | seconds | lines per second |")
    print("|---|---:|---:|---:|")
    for label, lines, seconds in rows:
        rate = f"{lines / seconds:,.0f}" if lines else "-"
        print(f"| {label} | {lines:,} | {seconds:.1f} | {rate} |")

    full, day = node_seconds(build_results), node_seconds(day_results)
    print("\nthe full build and the build after one more day, seconds of dbt's nodes:\n")
    print("| nodes | full build | after one more day | ratio |")
    print("|---|---:|---:|---:|")
    for kind in sorted(full):
        ratio = day.get(kind, 0.0) / full[kind] if full[kind] else 0.0
        print(f"| {kind} | {full[kind]:.1f} | {day.get(kind, 0.0):.1f} | {ratio:.2f} |")

    print_slowest("the full dbt build", build_results)
    print_slowest("the build after one more day", day_results)

    accuracy = spark.table("marts.fct_demand_forecast_accuracy").orderBy("origin_week").collect()
    print("\nforecast backtest, rolling origins (fct_demand_forecast_accuracy):\n")
    print("| origin | series | unforecast units | forecast WAPE | naive WAPE | improvement "
          "| chosen on earlier origins | its WAPE |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for row in accuracy:
        chosen_wape = "-" if row.chosen_wape is None else row.chosen_wape
        print(
            f"| {row.origin_week} | {row.series:,} | {row.unforecast_units:,} | "
            f"{row.forecast_wape} | {row.naive_wape} | {row.improvement_over_naive} | "
            f"{row.chosen_method or '-'} | {chosen_wape} |"
        )
    totals = [(r.actual_units, r.forecast_wape, r.naive_wape, r.chosen_wape) for r in accuracy]
    units = sum(t[0] for t in totals)
    if units:
        pooled = {
            name: sum(float(t[0] * t[i]) for t in totals) / units
            for i, name in ((1, "forecast"), (2, "naive"))
        }
        print(f"\npooled over the origins: forecast WAPE {pooled['forecast']:.4f}, "
              f"naive {pooled['naive']:.4f}")  # fmt: skip
    chosen = [t for t in totals if t[3] is not None]
    if chosen:
        units = sum(t[0] for t in chosen)
        print(
            "chosen method, scored only where the choice saw none of the weeks: WAPE "
            f"{sum(float(t[0] * t[3]) for t in chosen) / units:.4f} over {len(chosen)} origins"
        )


if __name__ == "__main__":
    main()
