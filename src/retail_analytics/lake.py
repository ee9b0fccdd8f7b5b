"""The raw lake's tables and its one transaction rule: a load is visible once it is logged.

Delta Lake commits each append atomically but has no transaction across tables. A file's
load therefore writes its rows (data, then rejects) tagged with a fresh `_load_id`, and
writes its `raw.load_log` row last: that row is the commit marker. Readers (staging, the
dedupe checks) see only rows whose `_load_id` has a committed log row; rows of a load that
never got one (a killed process) are deleted at the start of the next ingest.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from retail_analytics.schemas import DATASETS, SQL_TYPES, Dataset

log = logging.getLogger(__name__)

RAW_DB = "raw"
REJECTS = f"{RAW_DB}.rejects"
LOAD_LOG = f"{RAW_DB}.load_log"
# Statuses of a load-log row whose rows are visible (a `refused` load leaves no rows).
COMMITTED_STATUSES = ("loaded", "partly rejected", "rejected")
# Statuses that make a file of the same content "already loaded" (nothing is read again).
FINAL_STATUSES = ("loaded", "partly rejected")
# Test-only fault injection: `point` or `point:file-name`; ingest sleeps there (see pause()).
PAUSE_ENV = "RETAIL_INGEST_PAUSE_AT"
PAUSE_POINTS = ("after_data", "before_log")

META_COLUMNS = (
    "_source_file string, _source_format string, _source_row bigint, _load_id string, "
    "_loaded_at timestamp"
)


def dataset_ddl(dataset: Dataset) -> str:
    """CREATE TABLE for a dataset's raw table: its columns, lineage, partition column."""
    columns = ", ".join(f"{c.name} {SQL_TYPES[c.kind]}" for c in dataset.columns)
    columns += f", {META_COLUMNS}"
    partition = ""
    if dataset.partition:  # last, where inserts (by position) put it
        columns += f", {dataset.partition[0]} date"
        partition = f" partitioned by ({dataset.partition[0]})"
    return (
        f"create table if not exists {dataset.table} ({columns}) "
        f"using delta{partition} comment '{dataset.description}'"
    )


DDL = (
    f"create database if not exists {RAW_DB} comment 'Raw lake: files as loaded by retail ingest'",
    *(dataset_ddl(d) for d in DATASETS),
    f"""create table if not exists {REJECTS} (
        dataset string, reason string, raw_record string, {META_COLUMNS}
    ) using delta comment 'Lines that could not be parsed, with the reason and raw text'""",
    f"""create table if not exists {LOAD_LOG} (
        load_id string, dataset string, source_file string, file_sha256 string,
        file_bytes bigint, source_format string, source_layout string, rows_read bigint,
        rows_loaded bigint, rows_rejected bigint, rows_duplicate bigint,
        started_at timestamp, finished_at timestamp, status string
    ) using delta comment 'One row per file ingest, written last: the load''s commit marker'""",
)
ROW_TABLES = (*(d.table for d in DATASETS), REJECTS)  # tables whose rows carry _load_id


def ensure_tables(spark: SparkSession) -> None:
    """Create the raw database and its tables if they are not there; add the columns a
    dataset gained since its table was made (after the column before them, so inserts by
    position still line up)."""
    if not spark.catalog.databaseExists(RAW_DB):
        spark.sql(DDL[0])
    for statement in DDL[1:]:
        spark.sql(statement)
    for dataset in DATASETS:
        have = set(spark.table(dataset.table).columns)
        previous = None
        for column in dataset.columns:
            if column.name not in have:
                where = f" after {previous}" if previous else " first"
                spark.sql(
                    f"alter table {dataset.table} add columns "
                    f"({column.name} {SQL_TYPES[column.kind]}{where})"
                )
                log.info("%s: added the column %s", dataset.table, column.name)
            previous = column.name


def _in_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def committed(spark: SparkSession, table: str, current: str | None = None):
    """The rows of `table` from committed loads (and from the load `current`, if given)."""
    ids = spark.table(LOAD_LOG).where(F.col("status").isin(*COMMITTED_STATUSES)).select("load_id")
    if current:
        ids = ids.union(spark.createDataFrame([(current,)], "load_id string"))
    return spark.table(table).join(
        F.broadcast(ids.withColumnRenamed("load_id", "_load_id")), "_load_id", "left_semi"
    )


def delete_unfinished(spark: SparkSession, only: str | None = None) -> dict[str, int]:
    """Delete rows whose load never committed (or of the load `only`); rows deleted per table.

    Run at the start of every ingest, so a load killed half-way leaves nothing behind once
    the next ingest starts (and nothing visible before: readers filter on the load log).
    One query finds the uncommitted loads of every table, and their row counts.
    """
    ids = (
        spark.createDataFrame([(only,)], "load_id string")
        if only
        else spark.table(LOAD_LOG)
        .where(F.col("status").isin(*COMMITTED_STATUSES))
        .select("load_id")
    )
    how = "left_semi" if only else "left_anti"
    found = None
    for table in ROW_TABLES:
        rows = (
            spark.table(table)
            .join(F.broadcast(ids.withColumnRenamed("load_id", "_load_id")), "_load_id", how)
            .groupBy("_load_id")
            .count()
            .withColumn("table", F.lit(table))
        )
        found = rows if found is None else found.unionByName(rows)
    orphans: dict[str, dict[str, int]] = {}
    for r in found.collect():
        orphans.setdefault(r.table, {})[r._load_id] = r["count"]
    for table, loads in orphans.items():
        spark.sql(f"delete from {table} where _load_id in ({_in_list(loads)})")
    return {table: sum(loads.values()) for table, loads in orphans.items()}


def recover(spark: SparkSession) -> str | None:
    """Delete the rows of unfinished loads; a sentence saying what went, if anything did."""
    deleted = delete_unfinished(spark)
    if not deleted:
        return None
    parts = [f"{n:,} rows from {table}" for table, n in sorted(deleted.items())]
    return "removed rows of unfinished loads (no load-log row): " + ", ".join(parts)


def pause(point: str, file_name: str) -> None:
    """Test-only fault injection: sleep at `point` when RETAIL_INGEST_PAUSE_AT asks for it.

    `RETAIL_INGEST_PAUSE_AT=after_data` (after the data rows' append, before the rejects) or
    `before_log` (everything appended but the load-log row), optionally `:<file name>`.
    The process says where it stopped on stderr, so a test can kill it right there.
    """
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted:
        return
    where, _, name = wanted.partition(":")
    if where == point and (not name or name == file_name):
        print(f"{PAUSE_ENV}: paused at {point} ({file_name})", file=sys.stderr, flush=True)
        time.sleep(3600)
