"""Where `retail train`'s learners put what they make: run ids, saved models, and the `ml`
tables dbt reads (created by dbt's on-run-start, macros/ensure_ml_tables.sql).

Each learner replaces its output tables and then appends its run row, so a reader of the
run table never finds a run whose rows are not written yet.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from pyspark.sql import SparkSession

from retail_analytics.errors import RetailError


class MissingTableError(RetailError):
    """An `ml` table dbt's on-run-start makes is not there yet."""


def new_run_id() -> str:
    """`YYYYMMDDTHHMMSS-xxxxxx`, UTC: sorts by time, unique across processes."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def utc_now() -> datetime:
    """Now, UTC, without a time zone (the session's time zone is UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def model_dir(spark: SparkSession, learner: str) -> Path:
    """Where a learner's fitted models are saved: `_models/<learner>/` in the warehouse."""
    warehouse = spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
    return Path(warehouse) / "_models" / learner


def table_version(spark: SparkSession, table: str) -> int:
    """The Delta version of `table` now: the data version a model saw."""
    return int(spark.sql(f"describe history {table} limit 1").first()["version"])


def require(spark: SparkSession, *tables: str) -> None:
    for table in tables:
        if not spark.catalog.tableExists(table):
            raise MissingTableError(f"{table} does not exist: run `dbt build` first")


def replace_rows(spark: SparkSession, table: str, rows: pd.DataFrame) -> None:
    """Replace every row of `table` with `rows` (its columns by name; NaN as null)."""
    target = spark.table(table)
    frame = rows[target.columns].astype(object).where(rows[target.columns].notna(), None)
    spark.createDataFrame(frame, schema=target.schema).write.insertInto(table, overwrite=True)


def append_run(spark: SparkSession, table: str, run) -> None:
    """Append the dataclass `run` as a row of `table` (its columns by name; NaN as null;
    fields that are not columns are left out)."""
    record = {
        k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(run).items()
    }
    runs = spark.table(table)
    row = tuple(record[c] for c in runs.columns)
    spark.createDataFrame([row], schema=runs.schema).write.insertInto(table)
