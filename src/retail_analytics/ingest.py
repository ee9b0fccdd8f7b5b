"""Ingest files into the raw lake: parse, validate, reject, deduplicate, append.

Every line read ends in exactly one place: its dataset's raw table (loaded), the rejects
table (with a reason and its raw text), or nowhere because its unit (an invoice, a
location's snapshot or receipts of a day) is already in the lake from another file (a
skipped duplicate). So for every file, read = loaded + rejected + duplicates.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from retail_analytics import lake
from retail_analytics.errors import RetailError
from retail_analytics.lake import (  # noqa: F401 - the names callers know ingest by
    LOAD_LOG,
    RAW_DB,
    REJECTS,
    SQL_TYPES,
    ensure_tables,
)
from retail_analytics.schemas import TRANSACTIONS as TRANSACTION_DATASET
from retail_analytics.schemas import Dataset, detect_schema

log = logging.getLogger(__name__)

TRANSACTIONS = TRANSACTION_DATASET.table

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
# Text dates that are not ISO 8601: the US style of the UCI file's common CSV exports.
DATE_FORMATS = ("M/d/yyyy H:mm", "M/d/yyyy H:mm:ss")
CORRUPT = "_corrupt_record"


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

    def summary(self) -> str:
        """The one-line report the CLI prints."""
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
    """Content hash of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- reading -------------------------------------------------------------------------------


def _open_text(path: Path):
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="replace")
    return path.open(encoding="utf-8-sig", errors="replace", newline="")


def _csv_header(path: Path) -> list[str]:
    with _open_text(path) as f:
        return next(csv.reader(f), [])


def _jsonl_header(path: Path) -> list[str]:
    with _open_text(path) as f:
        for line in f:
            if line.strip():
                try:
                    return list(json.loads(line))
                except (json.JSONDecodeError, TypeError):
                    raise IngestError(f"{path}: first line is not a JSON object") from None
    return []


def _string_schema(header: list[str]) -> T.StructType:
    fields = [T.StructField(h, T.StringType()) for h in header]
    return T.StructType([*fields, T.StructField(CORRUPT, T.StringType())])


def read_parts(spark: SparkSession, path: Path, fmt: str) -> list[tuple[str, DataFrame]]:
    """The file as DataFrames with a `_source_row` column: one per sheet for Excel, else one."""
    uri = str(path.resolve())
    if fmt == "csv":
        header = _csv_header(path)
        df = (
            spark.read.schema(_string_schema(header))
            .options(header=True, mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT)
            .options(escape='"', multiLine=False, enforceSchema=True)
            .csv(uri)
        )
        parts = [(path.name, df)]
    elif fmt == "jsonl":
        header = _jsonl_header(path)
        df = (
            spark.read.schema(_string_schema(header))
            .options(mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT)
            .json(uri)
        )
        parts = [(path.name, df)]
    elif fmt == "parquet":
        parts = [(path.name, spark.read.parquet(uri))]
    elif fmt == "xlsx":
        return _read_xlsx(spark, path)
    else:  # pragma: no cover - file_format() only returns the formats above
        raise IngestError(f"{path}: unknown format {fmt}")
    return [
        (name, df.withColumn("_source_row", F.monotonically_increasing_id())) for name, df in parts
    ]


def _read_xlsx(spark: SparkSession, path: Path) -> list[tuple[str, DataFrame]]:
    import pandas as pd

    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="calamine")
    except Exception as exc:  # a broken workbook: say which file and why
        raise IngestError(f"{path}: cannot read as an Excel workbook ({exc})") from None
    parts = []
    for sheet, frame in sheets.items():
        frame = frame.astype(object).where(frame.notna(), None)
        # The Excel row a line came from: row 1 is the header.
        frame["_source_row"] = range(2, len(frame) + 2)
        schema = T.StructType(
            [T.StructField(str(c), T.StringType()) for c in frame.columns[:-1]]
            + [T.StructField("_source_row", T.LongType())]
        )
        df = (
            spark.createDataFrame(frame, schema=schema)
            if len(frame)
            else spark.createDataFrame([], schema)
        )
        parts.append((f"{path.name}[{sheet}]", df))
    return parts


# --- parsing -------------------------------------------------------------------------------


def _as_text(c: Column, dtype: T.DataType) -> Column:
    """Text of a value; whole numbers stored as floating point lose their `.0`."""
    if isinstance(dtype, (T.FloatType, T.DoubleType, T.DecimalType)):
        return F.when(c == F.floor(c), F.floor(c).cast("string")).otherwise(c.cast("string"))
    return c.cast("string")


def _decimal(c: Column, precision: int, scale: int) -> Column:
    return F.trim(c.cast("string")).try_cast(T.DecimalType(precision, scale))


def _timestamp(c: Column, dtype: T.DataType) -> Column:
    if isinstance(dtype, (T.LongType, T.IntegerType)):
        # Epoch numbers: pandas writes nanoseconds to Parquet, milliseconds to JSON.
        a = F.abs(c)
        return (
            F.when(a >= 10**17, F.timestamp_micros(F.floor(c / 1000)))
            .when(a >= 10**14, F.timestamp_micros(c))
            .when(a >= 10**11, F.timestamp_millis(c))
            .otherwise(F.timestamp_seconds(c))
        )
    if isinstance(dtype, (T.TimestampType, T.TimestampNTZType, T.DateType)):
        return c.cast("timestamp")
    text = F.trim(c.cast("string"))
    return F.coalesce(
        F.try_to_timestamp(text),
        *(F.try_to_timestamp(text, F.lit(fmt)) for fmt in DATE_FORMATS),
    )


def _typed(c: Column, dtype: T.DataType, kind: str) -> Column:
    """A source column parsed to a dataset column's kind; null where it does not parse."""
    if kind == "text":
        return F.trim(_as_text(c, dtype))
    if kind == "free_text":
        return _as_text(c, dtype)
    if kind == "int":
        number = _decimal(c, 20, 3)
        return F.when(number == F.floor(number), number.try_cast("int"))
    if kind == "decimal":
        return _decimal(c, 18, 3)
    if kind == "timestamp":
        return _timestamp(c, dtype)
    return F.to_date(_timestamp(c, dtype))


def parse(
    df: DataFrame, mapping: dict[str, str], dataset: Dataset = TRANSACTION_DATASET
) -> DataFrame:
    """The dataset's typed columns, `_reject_reason` (null for a good line), `_raw_record`."""
    dtypes = {f.name: f.dataType for f in df.schema.fields}
    columns = {}
    for column in dataset.columns:
        if column.name in mapping:
            source = mapping[column.name]
            typed = _typed(F.col(f"`{source}`"), dtypes[source], column.kind)
        else:
            typed = F.lit(None).cast(SQL_TYPES[column.kind])
        columns[column.name] = typed
    originals = [name for name in df.columns if name not in (CORRUPT, "_source_row")]
    corrupt = F.col(CORRUPT) if CORRUPT in df.columns else F.lit(None).cast("string")
    reason = F.when(corrupt.isNotNull(), "malformed line (wrong number of fields or bad quoting)")
    for column in dataset.columns:
        if column.required:
            value = columns[column.name]
            bad = value.isNull() | (value == "") if column.kind == "text" else value.isNull()
            reason = reason.when(bad, column.reject_reason)
    raw_record = F.coalesce(
        corrupt,
        F.to_json(F.struct(*[F.col(f"`{n}`").cast("string").alias(n) for n in originals])),
    )
    return df.select(
        *[expr.alias(name) for name, expr in columns.items()],
        "_source_row",
        reason.alias("_reject_reason"),
        raw_record.alias("_raw_record"),
    )


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
    spark: SparkSession, name: str, df: DataFrame, fmt: str, load_id: str, loaded_at: datetime
) -> tuple[str, Dataset, dict[str, int]]:
    """Parse one part, append its good new lines and its rejects; return layout and counts.

    Nothing appended here is visible until the load's log row is written (see `lake`).
    """
    header = [c for c in df.columns if c not in (CORRUPT, "_source_row")]
    layout = detect_schema(header, name)
    dataset = layout.dataset
    parsed = parse(df, layout.mapping(header), dataset)

    unit = list(dataset.unit)
    seen = (
        lake.committed(spark, dataset.table, current=load_id)
        .select(*unit)
        .distinct()
        .withColumn("_seen", F.lit(True))
    )
    status = (
        F.when(F.col("_reject_reason").isNotNull(), "rejected")
        .when(F.col("_seen"), "duplicate")
        .otherwise("loaded")
    )
    meta = [
        F.lit(name).alias("_source_file"),
        F.lit(fmt).alias("_source_format"),
        F.col("_source_row"),
        F.lit(load_id).alias("_load_id"),
        F.lit(loaded_at).cast("timestamp").alias("_loaded_at"),
    ]
    partition = (
        [F.expr(dataset.partition[1]).alias(dataset.partition[0])] if dataset.partition else []
    )
    classified = parsed.join(seen, unit, "left").withColumn("_status", status).persist()
    try:
        counts = {r["_status"]: r["count"] for r in classified.groupBy("_status").count().collect()}
        if counts.get("loaded"):
            (
                classified.where("_status = 'loaded'")
                .select(*dataset.column_names, *meta, *partition)
                .write.insertInto(dataset.table)
            )
        lake.pause("after_data", Path(name.split("[")[0]).name)
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
    return layout.name, dataset, counts


def load_status(loaded: int, rejected: int, duplicate: int) -> str:
    """The load log's status: loaded, partly rejected, or rejected (every line rejected)."""
    if not rejected:
        return "loaded"
    return "rejected" if not loaded and not duplicate else "partly rejected"


def ingest_file(spark: SparkSession, path: Path) -> LoadResult:
    """Ingest one file, all or nothing; a file whose content was loaded before loads nothing.

    Rows are appended first and the load-log row last: a process killed before that leaves
    rows no reader sees, which the next ingest deletes (`lake.recover`). A file refused
    half-way has its rows deleted at once and a `refused` log row, so it can be loaded again.
    """
    fmt = file_format(path)
    if fmt is None:
        raise IngestError(f"{path}: not a data file ingest reads")
    sha256 = file_sha256(path)
    previous = _already_loaded(spark, sha256)
    if previous:
        return LoadResult(path.name, fmt, already_loaded_as=previous)

    load_id, started = str(uuid.uuid4()), datetime.now(timezone.utc).replace(tzinfo=None)
    totals = {"loaded": 0, "rejected": 0, "duplicate": 0}
    layouts, datasets = set(), set()
    try:
        for name, df in read_parts(spark, path, fmt):
            layout, dataset, counts = _load_part(spark, name, df, fmt, load_id, started)
            layouts.add(layout)
            datasets.add(dataset.name)
            for key in totals:
                totals[key] += counts.get(key, 0)
    except Exception:
        lake.delete_unfinished(spark, only=load_id)
        _log_load(spark, load_id, path, sha256, fmt, "", "", totals, started, "refused")
        raise
    result = LoadResult(
        path.name,
        fmt,
        dataset=",".join(sorted(datasets)),
        rows_read=sum(totals.values()),
        rows_loaded=totals["loaded"],
        rows_rejected=totals["rejected"],
        rows_duplicate=totals["duplicate"],
    )
    lake.pause("before_log", path.name)
    status = load_status(result.rows_loaded, result.rows_rejected, result.rows_duplicate)
    _log_load(
        spark, load_id, path, sha256, fmt, result.dataset, ",".join(sorted(layouts)), totals,
        started, status,
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


def ingest(
    spark: SparkSession, path: Path, report: Callable[[str], None] | None = None
) -> tuple[list[LoadResult], list[Path]]:
    """Ingest a file, or every data file under a folder in name order; return results and skips.

    First the lake is cleaned of unfinished loads; `report` (default: the log) hears of it.
    """
    files, skipped = discover(path)
    if not files:
        raise IngestError(f"{path}: no data files (known endings: {', '.join(sorted(FORMATS))})")
    ensure_tables(spark)
    cleaned = lake.recover(spark)
    if cleaned:
        (report or log.warning)(cleaned)
    results = []
    for f in files:
        log.info("ingesting %s", f)
        results.append(ingest_file(spark, f))
        log.info(results[-1].summary())
    return results, skipped
