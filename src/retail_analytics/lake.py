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

from retail_analytics.schemas import DATASETS, Dataset

log = logging.getLogger(__name__)

RAW_DB = "raw"
REJECTS = f"{RAW_DB}.rejects"
LOAD_LOG = f"{RAW_DB}.load_log"
# Statuses of a load-log row whose rows are visible. `refused` loads wrote nothing;
# `superseded` marks a wholly rejected load of a file whose content was later loaded again.
COMMITTED_STATUSES = ("loaded", "partly rejected", "rejected")
# Statuses that make a file of the same content "already loaded" (nothing is read again).
FINAL_STATUSES = ("loaded", "partly rejected")
# Test-only fault injection: `point` or `point:file-name`; ingest sleeps there (see pause()).
PAUSE_ENV = "RETAIL_INGEST_PAUSE_AT"
PAUSE_POINTS = ("after_data", "before_log")

SQL_TYPES = {
    "text": "string",
    "free_text": "string",
    "int": "int",
    "decimal": "decimal(18, 3)",
    "timestamp": "timestamp",
    "date": "date",
}
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
    """Create the raw database and its tables if they are not there."""
    if not spark.catalog.databaseExists(RAW_DB):
        spark.sql(DDL[0])
    for statement in DDL[1:]:
        spark.sql(statement)


def _in_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def committed_load_ids(spark: SparkSession) -> list[str]:
    """The load ids whose rows are visible (a log row with a committed status)."""
    rows = (
        spark.table(LOAD_LOG)
        .where(F.col("status").isin(*COMMITTED_STATUSES))
        .select("load_id")
        .collect()
    )
    return [r.load_id for r in rows]


def committed(spark: SparkSession, table: str, current: str | None = None):
    """The rows of `table` from committed loads (and from the load `current`, if given)."""
    ids = spark.table(LOAD_LOG).where(F.col("status").isin(*COMMITTED_STATUSES)).select("load_id")
    if current:
        ids = ids.union(spark.createDataFrame([(current,)], "load_id string"))
    return spark.table(table).join(
        F.broadcast(ids.withColumnRenamed("load_id", "_load_id")), "_load_id", "left_semi"
    )


def supersede_rejected_retries(spark: SparkSession) -> int:
    """Mark wholly rejected loads of a content that a later committed load read again.

    A file whose every line was rejected may be ingested again (after a fix of the rules or
    options); its earlier rejects are then replaced by the new load's, never kept twice.
    """
    rows = (
        spark.table(LOAD_LOG)
        .where(F.col("status").isin(*COMMITTED_STATUSES))
        .select("load_id", "file_sha256", "started_at", "status")
        .collect()
    )
    latest: dict[str, tuple] = {}
    for r in rows:
        if r.file_sha256 not in latest or r.started_at > latest[r.file_sha256]:
            latest[r.file_sha256] = r.started_at
    stale = [
        r.load_id for r in rows if r.status == "rejected" and r.started_at < latest[r.file_sha256]
    ]
    if stale:
        spark.sql(
            f"update {LOAD_LOG} set status = 'superseded' where load_id in ({_in_list(stale)})"
        )
    return len(stale)


def delete_unfinished(spark: SparkSession, only: str | None = None) -> dict[str, int]:
    """Delete rows whose load never committed (or of the load `only`); rows deleted per table.

    Run at the start of every ingest, so a load killed half-way leaves nothing behind once
    the next ingest starts (and nothing visible before: readers filter on the load log).
    """
    keep = set(committed_load_ids(spark))
    deleted = {}
    for table in ROW_TABLES:
        if only:
            orphans = [only]
        else:
            present = spark.table(table).select("_load_id").distinct().collect()
            orphans = [r._load_id for r in present if r._load_id not in keep]
        if not orphans:
            continue
        where = f"_load_id in ({_in_list(orphans)})"
        count = spark.table(table).where(where).count()
        if count:
            spark.sql(f"delete from {table} where {where}")
            deleted[table] = count
    return deleted


def recover(spark: SparkSession) -> str | None:
    """Clean the lake of unfinished loads and superseded rejects; a sentence if it did."""
    superseded = supersede_rejected_retries(spark)
    deleted = delete_unfinished(spark)
    if not deleted and not superseded:
        return None
    parts = [f"{n:,} rows from {table}" for table, n in sorted(deleted.items())]
    message = "removed rows of unfinished loads (no load-log row): " + ", ".join(parts)
    if superseded and not deleted:
        message = f"marked {superseded} wholly rejected earlier load(s) superseded"
    return message


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
