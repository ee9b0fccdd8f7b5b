"""Ingest files into the raw lake: read, apply the rule set, reject, deduplicate, commit.

Every line read ends in exactly one place: its dataset's raw table (loaded), the rejects
table (with a reason and its raw text), or nowhere because it is already in the lake (a
skipped duplicate). So for every file, read = loaded + rejected + duplicates. A file's load
is all or nothing (see `lake`): its rows become visible with its load-log row, written last.
A file that cannot be read whole is refused: nothing of it is loaded, and the refusal is one
line naming the file, the line and the problem.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from retail_analytics import encoding, lake, readers, rules
from retail_analytics.errors import RetailError
from retail_analytics.lake import (  # noqa: F401 - the names callers know ingest by
    LOAD_LOG,
    RAW_DB,
    REJECTS,
    SQL_TYPES,
    ensure_tables,
)
from retail_analytics.rules import CORRUPT, Options, parse  # noqa: F401
from retail_analytics.schemas import TRANSACTIONS as TRANSACTION_DATASET
from retail_analytics.schemas import Dataset

log = logging.getLogger(__name__)

TRANSACTIONS = TRANSACTION_DATASET.table
DEFAULTS = Options()
FORMATS = {  # file name ending -> format
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
# A line of an invoice the lake holds from another file, where that file's lines and this
# one's overlap but differ: a corrected re-export. It is rejected, never added to the old.
CONFLICT = (
    "invoice already loaded from another file with other lines (a corrected re-export is "
    "not applied: see README)"
)
# A line of an invoice the lake holds from another file on another day: an invoice is
# dated once, so its number was reused (a different sale). Loaded, it would join the old
# invoice (its day, customer and country no longer one, which the marts count invoices by),
# and in another month an incremental build of one month would number its lines apart.
REUSED_INVOICE = "invoice already loaded from another file on another day (its number reused?)"


@dataclass(frozen=True)
class LoadResult:
    """What one file's ingest did."""

    source_file: str
    source_format: str
    dataset: str = "transactions"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    already_loaded_as: str | None = None
    refused: str | None = None  # the one-line refusal: file, line, problem
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The one-line report the CLI prints."""
        if self.refused:
            return f"{self.refused} (file refused, nothing loaded)"
        if self.already_loaded_as:
            return (
                f"{self.source_file}: already loaded (same content as "
                f"{self.already_loaded_as}); nothing read"
            )
        return (
            f"{self.source_file}: read {self.rows_read:,}, loaded {self.rows_loaded:,}, "
            f"rejected {self.rows_rejected:,}, skipped duplicates {self.rows_duplicate:,}"
        )


class IngestError(RetailError):
    """A file or folder that cannot be ingested."""


def file_format(path: Path) -> str | None:
    """The ingest format of a file, from its name; None for files ingest does not read."""
    name = path.name.lower()
    for ending in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(ending):
            return FORMATS[ending]
    return None


def discover(path: Path) -> tuple[list[Path], list[Path]]:
    """The data files under `path` (a file or a folder, searched recursively) and the rest."""
    if not path.exists():
        raise IngestError(f"{path}: no such file or folder")
    candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    data, skipped = [], []
    for p in candidates:
        if any(part.startswith(".") for part in p.relative_to(path.parent).parts):
            continue
        (data if file_format(p) else skipped).append(p)
    if path.is_file() and skipped:
        raise IngestError(
            f"{path}: not a data file ingest reads (known endings: {', '.join(sorted(FORMATS))})"
        )
    return data, skipped


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes as stored, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_parts(spark: SparkSession, path: Path, fmt: str) -> list[tuple[str, DataFrame]]:
    """The file's parts as (name, DataFrame with `_source_row`): one per data sheet, else one."""
    content = encoding.scan(path, text=fmt in ("csv", "jsonl"))
    return [(p.name, p.df) for p in readers.read(spark, path, fmt, content)]


# --- classifying -----------------------------------------------------------------------------


def _date_order(part: readers.Part, options: Options) -> str:
    """day-first or month-first for the part's slash dates (refused when undecidable)."""
    dataset = part.layout.dataset
    mapping = part.layout.mapping(part.header)
    dtypes = dict(part.df.dtypes)
    for column in dataset.columns:
        source = mapping.get(column.name)
        if column.kind in ("timestamp", "date") and source and dtypes[source] == "string":
            evidence = rules.date_evidence(part.df, source)
            return rules.decide_date_order(evidence, options.date_order, part.name)
    return options.date_order or "month-first"


def classify(spark: SparkSession, parsed: DataFrame, dataset: Dataset, load_id: str) -> DataFrame:
    """`parsed` with `_status` (loaded, rejected, duplicate) and the final `_reject_reason`.

    Transactions are compared line by line with the lake (committed loads and this one): a
    line the lake already holds (as many times) is a duplicate, so overlapping files, a
    workbook's repeated sheet and a file split inside an invoice all load each line once.
    Where an invoice's lines partly match the lake and partly not, the new ones are a
    corrected re-export and are rejected (CONFLICT), as are new lines of an invoice the lake
    holds on another day (REUSED_INVOICE). Stock datasets are compared by unit (a
    location's snapshot or receipts of a day): a unit in the lake is skipped whole. A
    rejected line whose raw text is already in the rejects is a duplicate too.
    """
    valid = F.col("_reject_reason").isNull()
    unit = list(dataset.unit)
    lake_rows = lake.committed(spark, dataset.table, current=load_id)
    seen_rejects = (
        lake.committed(spark, REJECTS)
        .where(F.col("dataset") == dataset.name)
        .select(F.col("raw_record").alias("_raw_record"))
        .distinct()
        .withColumn("_seen_reject", F.lit(True))
    )
    df = parsed.join(seen_rejects, "_raw_record", "left")
    if dataset is TRANSACTION_DATASET:
        key = [*unit, "_code", "quantity", "unit_price", "invoiced_at"]
        code = F.upper(F.trim(F.col("stock_code"))).alias("_code")
        held = lake_rows.select(*unit, code, *key[2:]).groupBy(*key).agg(F.count("*").alias("_n"))
        day = F.to_date(F.col("invoiced_at"))
        known = lake_rows.groupBy(*unit).agg(
            F.lit(True).alias("_known"),
            F.min(day).alias("_known_first"),
            F.max(day).alias("_known_last"),
        )
        df = df.withColumn("_code", F.upper(F.trim(F.col("stock_code"))))
        nth = F.row_number().over(Window.partitionBy(*key).orderBy("_source_row"))
        df = (
            df.withColumn("_nth", F.when(valid, nth))
            .join(held, key, "left")
            .join(known, unit, "left")
        )
        duplicate = valid & (F.col("_nth") <= F.coalesce(F.col("_n"), F.lit(0)))
        df = df.withColumn("_dup", duplicate)
        overlap = F.max(F.col("_dup").cast("int")).over(Window.partitionBy(*unit))
        new_line = valid & ~F.col("_dup") & F.col("_known").isNotNull()
        other_day = (day != F.col("_known_first")) | (day != F.col("_known_last"))
        # the flags as columns first, then the reason: each is read before it is replaced
        df = df.withColumn("_conflict", new_line & (overlap == 1)).withColumn(
            "_elsewhere", new_line & other_day
        )
        # a line rejected here parsed well, so parse kept no raw text for it: its parsed
        # values stand in (built for these lines only)
        flagged = F.col("_conflict") | F.col("_elsewhere")
        values = F.to_json(F.struct(*dataset.column_names))
        df = df.withColumn(
            "_raw_record", F.coalesce(F.col("_raw_record"), F.when(flagged, values))
        ).withColumn(
            "_reject_reason",
            F.when(F.col("_conflict"), F.lit(CONFLICT))
            .when(F.col("_elsewhere"), F.lit(REUSED_INVOICE))
            .otherwise(F.col("_reject_reason")),
        )
    else:
        seen = lake_rows.select(*unit).distinct().withColumn("_known", F.lit(True))
        df = df.join(seen, unit, "left").withColumn("_dup", valid & F.col("_known").isNotNull())
    status = (
        F.when(F.col("_dup"), "duplicate")
        .when(F.col("_reject_reason").isNotNull() & F.col("_seen_reject").isNotNull(), "duplicate")
        .when(F.col("_reject_reason").isNotNull(), "rejected")
        .otherwise("loaded")
    )
    return df.withColumn("_status", status)


# --- loading -------------------------------------------------------------------------------


def _already_loaded(spark: SparkSession, sha256: str) -> str | None:
    rows = (
        spark.table(LOAD_LOG)
        .where((F.col("file_sha256") == sha256) & F.col("status").isin(*lake.FINAL_STATUSES))
        .select("source_file")
        .limit(1)
        .collect()
    )
    return rows[0].source_file if rows else None


def _load_part(
    spark: SparkSession,
    part: readers.Part,
    fmt: str,
    load_id: str,
    loaded_at: datetime,
    options: Options,
) -> dict[str, int]:
    """Apply the rules to one part, append its new lines and its rejects; return counts.

    Nothing appended here is visible until the load's log row is written (see `lake`).
    """
    dataset = part.layout.dataset
    order = _date_order(part, options)
    mapping = part.layout.mapping(part.header)
    parsed = parse(part.df, mapping, dataset, options, order, layout=part.layout)
    meta = [
        F.lit(part.name).alias("_source_file"),
        F.lit(fmt).alias("_source_format"),
        F.col("_source_row"),
        F.lit(load_id).alias("_load_id"),
        F.lit(loaded_at).cast("timestamp").alias("_loaded_at"),
    ]
    partition = (
        [F.expr(dataset.partition[1]).alias(dataset.partition[0])] if dataset.partition else []
    )
    # computed once, lineage cut: classify reads the lake with this load's own rows, so
    # evaluated again after the data rows are appended (a cache partition recomputed) it
    # would see them and call the file's other lines conflicts
    classified = classify(spark, parsed, dataset, load_id).localCheckpoint(eager=True)
    try:
        counts = {r["_status"]: r["count"] for r in classified.groupBy("_status").count().collect()}
        if counts.get("loaded"):
            rows = classified.where("_status = 'loaded'").select(
                *dataset.column_names, *meta, *partition
            )
            if dataset.partition:  # one file per month the load touches, not one per task
                rows = rows.repartition(dataset.partition[0])
            rows.write.insertInto(dataset.table)
        lake.pause("after_data", part.name.split("[")[0])
        if counts.get("rejected"):
            (
                classified.where("_status = 'rejected'")
                .select(
                    F.lit(dataset.name).alias("dataset"),
                    F.col("_reject_reason").alias("reason"),
                    F.col("_raw_record").alias("raw_record"),
                    *meta,
                )
                .write.insertInto(REJECTS)
            )
    finally:
        classified.unpersist()
    return counts


def load_status(loaded: int, rejected: int, duplicate: int) -> str:
    """The load log's status: loaded, partly rejected, or rejected (every line rejected)."""
    if not rejected:
        return "loaded"
    return "rejected" if not loaded and not duplicate else "partly rejected"


def _refusal(exc: Exception, path: Path, fmt: str) -> str:
    """One line for a refused file: the file, where, the problem; never a trace."""
    if isinstance(exc, RetailError):
        return str(exc)
    java = getattr(exc, "java_exception", None)  # py4j: the Java exception says what
    message = str(java.toString()) if java is not None else str(exc)
    text = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return f"{path.name}: whole file: cannot read as {fmt} ({text[:300]})"


def ingest_file(spark: SparkSession, path: Path, options: Options = DEFAULTS) -> LoadResult:
    """Ingest one file, all or nothing; a file whose content was loaded before loads nothing.

    Rows are appended first and the load-log row last: a process killed before that leaves
    rows no reader sees, which the next ingest deletes (`lake.recover`). A refused file has
    its rows deleted at once and a `refused` log row, so it can be loaded again once fixed.
    """
    fmt = file_format(path)
    if fmt is None:
        raise IngestError(f"{path}: not a data file ingest reads")
    load_id, started = str(uuid.uuid4()), datetime.now(timezone.utc).replace(tzinfo=None)
    totals = {"loaded": 0, "rejected": 0, "duplicate": 0}
    try:
        content = encoding.scan(path, fmt in ("csv", "jsonl"), options.encoding)
    except RetailError as exc:
        sha = file_sha256(path)
        _log_load(spark, load_id, path, sha, fmt, "", "", totals, started, "refused")
        return LoadResult(path.name, fmt, refused=str(exc))
    previous = _already_loaded(spark, content.sha256)
    if previous:
        return LoadResult(path.name, fmt, already_loaded_as=previous)

    layouts, datasets, notes = set(), set(), []
    parts: list[readers.Part] = []
    try:
        parts = readers.read(spark, path, fmt, content)
        for part in parts:
            counts = _load_part(spark, part, fmt, load_id, started, options)
            layouts.add(part.layout.name)
            datasets.add(part.layout.dataset.name)
            notes += part.notes
            for key in totals:
                totals[key] += counts.get(key, 0)
    except Exception as exc:  # refused: nothing of the file stays
        log.debug("refused %s", path, exc_info=True)
        lake.delete_unfinished(spark, only=load_id)
        empty = dict.fromkeys(totals, 0)
        _log_load(spark, load_id, path, content.sha256, fmt, "", "", empty, started, "refused")
        return LoadResult(path.name, fmt, refused=_refusal(exc, path, fmt))
    finally:
        for part in parts:
            part.release()
    result = LoadResult(
        path.name,
        fmt,
        dataset=",".join(sorted(datasets)),
        rows_read=sum(totals.values()),
        rows_loaded=totals["loaded"],
        rows_rejected=totals["rejected"],
        rows_duplicate=totals["duplicate"],
        notes=notes,
    )
    lake.pause("before_log", path.name)
    status = load_status(result.rows_loaded, result.rows_rejected, result.rows_duplicate)
    _log_load(
        spark, load_id, path, content.sha256, fmt, result.dataset, ",".join(sorted(layouts)),
        totals, started, status,
    )  # fmt: skip
    return result


def _log_load(
    spark: SparkSession,
    load_id: str,
    path: Path,
    sha256: str,
    fmt: str,
    dataset: str,
    layouts: str,
    totals: dict[str, int],
    started: datetime,
    status: str,
) -> None:
    """Append the load's log row: the commit marker that makes its rows visible."""
    row = (
        load_id, dataset, path.name, sha256, path.stat().st_size, fmt, layouts,
        sum(totals.values()), totals["loaded"], totals["rejected"], totals["duplicate"],
        started, datetime.now(timezone.utc).replace(tzinfo=None), status,
    )  # fmt: skip
    spark.createDataFrame([row], spark.table(LOAD_LOG).schema).write.insertInto(LOAD_LOG)


def prepare(spark: SparkSession, report: Callable[[str], None] | None = None) -> None:
    """Before a run of loads: the raw tables there and up to date, and the rows of loads
    killed half-way deleted (`report`, default the log, hears of them)."""
    ensure_tables(spark)
    cleaned = lake.recover(spark)
    if cleaned:
        (report or log.warning)(cleaned)


def ingest(
    spark: SparkSession,
    path: Path,
    report: Callable[[str], None] | None = None,
    options: Options = DEFAULTS,
) -> tuple[list[LoadResult], list[Path]]:
    """Ingest a file, or every data file under a folder in name order; return results and skips.

    First the lake is cleaned of unfinished loads; `report` (default: the log) hears of it.
    """
    files, skipped = discover(path)
    if not files:
        raise IngestError(f"{path}: no data files (known endings: {', '.join(sorted(FORMATS))})")
    prepare(spark, report)
    results = []
    for f in files:
        log.info("ingesting %s", f)
        results.append(ingest_file(spark, f, options))
        log.info(results[-1].summary())
    return results, skipped
