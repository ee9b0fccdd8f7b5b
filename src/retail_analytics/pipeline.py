"""The main job, step by step, in one process and one SparkSession: ingest, dbt, summary."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from retail_analytics.errors import RetailError
from retail_analytics.spark import PROJECT_DIR, get_spark

log = logging.getLogger(__name__)

MODEL_SCHEMAS = ("staging", "intermediate", "marts")
# everything downstream of the stock feeds
INVENTORY_SOURCES = "source:online_retail.inventory_snapshots+ source:online_retail.stock_receipts+"
# everything downstream of what `retail train` writes (the churn and recommendation marts)
ML_SOURCES = "source:ml+"
# The models built again once stock is loaded or the churn model trained, with their data
# tests; their unit tests ran in the first build and do not depend on the data, so they are
# not run twice.
NO_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]


def rebuild(selectors: Sequence[str]) -> None:
    """`dbt build` of what `selectors` select, their data tests, no unit tests."""
    dbt(["build", "--select", *selectors, *NO_UNIT_TESTS])


def data_dir() -> Path:
    """Where generated demo data and simulated stock files go: `RETAIL_DATA_DIR` or ./data."""
    return Path(os.environ.get("RETAIL_DATA_DIR", PROJECT_DIR / "data"))


class DbtError(RetailError):
    """A dbt command that did not succeed."""


def ingest_paths(paths: Sequence[Path], options=None) -> list:
    """Ingest every file under `paths` (with `rules.Options`); print a line per file, totals.

    A refused file gets one line on stderr (`error: <file>: <line>: <problem>`); the others
    load. Every other line says read N = loaded L + rejected R + skipped duplicates D.
    """
    from retail_analytics import ingest

    spark = get_spark()
    options = options or ingest.DEFAULTS
    results = []
    for path in paths:
        loaded, skipped = ingest.ingest(spark, Path(path), report=print, options=options)
        for result in loaded:
            print_result(result)
        for other in skipped:
            print(f"{other}: skipped (not a data file ingest reads)")
        results.extend(loaded)
    read = sum(r.rows_read for r in results)
    refused = sum(1 for r in results if r.refused)
    print(
        f"total: read {read:,}, loaded {sum(r.rows_loaded for r in results):,}, "
        f"rejected {sum(r.rows_rejected for r in results):,}, "
        f"skipped duplicates {sum(r.rows_duplicate for r in results):,}"
        + (f"; {refused} file(s) refused" if refused else "")
    )
    rejected = sum(r.rows_rejected for r in results)
    if rejected:
        print(f"  {rejected:,} rejected lines are in {ingest.REJECTS}, with the reason for each")
    return results


def print_result(result) -> None:
    """A file's line: `error: …` on stderr for a refused file, else its counts and notes."""
    if result.refused:
        print(f"error: {result.summary()}", file=sys.stderr, flush=True)
        return
    print(result.summary(), flush=True)
    for note in result.notes:
        print(f"  note: {note}", flush=True)


def dbt(args: Sequence[str]) -> None:
    """Run a dbt command in this process, on this process's SparkSession."""
    from dbt.cli.main import dbtRunner

    get_spark()  # the dbt plugin would build it too; building it here makes the order plain
    # after the whole subcommand (`docs generate`), where dbt accepts them
    flags = ["--project-dir", str(PROJECT_DIR)]
    if "DBT_PROFILES_DIR" not in os.environ:
        flags += ["--profiles-dir", str(PROJECT_DIR)]
    result = dbtRunner().invoke([*args, *flags])
    if not result.success:
        detail = f": {result.exception}" if result.exception else " (see the dbt output above)"
        raise DbtError(f"dbt {' '.join(args)} failed{detail}")


def demo_data(lines: int, seed: int) -> Path:
    """The demo data file for (lines, seed), generated the first time it is asked for."""
    from retail_analytics import generate

    path = data_dir() / "demo" / f"transactions_{lines}_seed{seed}.csv.gz"
    if not path.exists():
        print(f"no data given: generating {lines:,} demo lines into {path}")
        generate.write(path, lines, seed)
    return path


def has_inventory() -> bool:
    """Whether the lake holds any stock snapshots (loaded or simulated)."""
    from retail_analytics import ingest

    spark = get_spark()
    ingest.ensure_tables(spark)
    return spark.table("raw.inventory_snapshots").limit(1).count() > 0


def simulate_inventory(seed: int = 42) -> None:
    """Simulate stock from the sales built so far (see `inventory`) and load it as a feed."""
    from retail_analytics import inventory

    print("simulating stock positions and receipts from the sales (no stock data loaded)")
    files = inventory.simulate(get_spark(), data_dir() / "simulated", seed=seed)
    if files:
        ingest_paths(files)


def run(data: Path | None, demo_lines: int, seed: int) -> None:
    """Ingest `data` (or demo data), build and test every model, train the churn model and
    the recommender, write the docs, summarise.

    The first build makes every model; the learners then train on it, and without stock data
    stock is simulated from the sales. One more build remakes the models that read what the
    learners wrote and the stock, with their data tests.
    """
    source = data if data is not None else demo_data(demo_lines, seed)
    ingest_paths([source])
    dbt(["build"])
    again = [ML_SOURCES] if train_models(seed) else []
    if not has_inventory():
        simulate_inventory(seed)
        again.append(INVENTORY_SOURCES)
    if again:
        rebuild(again)
    dbt(["docs", "generate"])
    print_summary()


def train_models(seed: int = 42) -> bool:
    """Train the churn model and the recommender on the built models and print their
    held-out figures; False when neither could train (each says why, as a note)."""
    from retail_analytics import churn, recommend

    trained = False
    for name, module in (("churn model", churn), ("recommendations", recommend)):
        try:
            run = module.train(get_spark(), seed=seed)
        except RetailError as exc:
            print(f"{name} not trained: {exc}")
            continue
        print(run.summary())
        trained = True
    return trained


def print_summary() -> None:
    """Row counts of the tables the build made, and where the docs are."""
    spark = get_spark()
    print("\nbuilt:")
    for schema in MODEL_SCHEMAS:
        if not spark.catalog.databaseExists(schema):
            continue
        # a temporary view of this session is listed in every schema: it is not a built table
        tables = (t.name for t in spark.catalog.listTables(schema) if not t.isTemporary)
        for table in sorted(tables):
            count = spark.table(f"{schema}.{table}").count()
            print(f"  {schema + '.' + table:<58} {count:>12,} rows")
    from retail_analytics import publish

    status = publish.status(spark, history=1)
    if status.history:
        latest = status.history[0]
        print(
            f"\npublished: {len(status.pins)} marts in `{publish.PUBLISHED_SCHEMA}` "
            f"(latest: {latest.action} at {latest.published_at:%Y-%m-%d %H:%M:%S}); "
            "details: `retail publish --status`"
        )
    docs = Path(os.environ.get("DBT_TARGET_PATH", PROJECT_DIR / "target")) / "index.html"
    if docs.exists():
        print(f"\ndocs: {docs} (serve them with `make docs`)")
