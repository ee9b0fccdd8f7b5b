"""Read a file into parts (one per data sheet, else one) of source columns, with line numbers.

What a file does not say about itself is found out here, from the file, before anything is
loaded: the encoding (`encoding.scan`), the CSV delimiter (sniffed from the header line),
the header row of a workbook sheet (below a title block), which sheets are data and which
are notes, the columns of JSON lines (the union over every line). A file that cannot be
read whole is refused with the line where the problem is; nothing of it is loaded.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from retail_analytics.encoding import Content
from retail_analytics.errors import RetailError
from retail_analytics.rules import CORRUPT
from retail_analytics.schemas import SCHEMAS, SourceSchema, UnknownLayoutError, detect_schema

DELIMITERS = (",", ";", "\t", "|")
INDEX_COLUMN = re.compile(r"^(|Unnamed: 0|index)$", re.IGNORECASE)
HEADER_SEARCH_ROWS = 30  # how far down a sheet its header row may be (below a title block)
NOTES_MAX_MATCHES = 2  # a sheet whose best row names at most this many layout columns is notes


class RefusedError(RetailError):
    """A file refused whole: its message names the file, the line and the problem."""


@dataclass
class Part:
    """One readable unit of a file: its name, layout, source columns and what was noticed."""

    name: str
    layout: SourceSchema
    df: DataFrame  # source columns, `_source_row` (line or Excel row), maybe `_corrupt_record`
    notes: list[str] = field(default_factory=list)
    temp_dir: Path | None = None  # a UTF-8 copy Spark reads, removed by release()

    def release(self) -> None:
        """Free the cached rows and the UTF-8 copy, once the part is loaded."""
        self.df.unpersist()
        if self.temp_dir:
            shutil.rmtree(self.temp_dir, ignore_errors=True)

    @property
    def header(self) -> list[str]:
        """The source column names."""
        return [c for c in self.df.columns if c not in (CORRUPT, "_source_row")]


def _clean_header(names: list[str]) -> list[str]:
    """Header names trimmed, blanks named `_c<i>`, repeats numbered, so Spark accepts them."""
    out: list[str] = []
    for i, name in enumerate(names):
        name = (name or "").strip().lstrip("\ufeff").strip()
        name = name or f"_c{i}"
        while name in out:
            name += "_"
        out.append(name)
    return out


def _layout(header: list[str], where: str) -> tuple[SourceSchema, list[str], list[str]]:
    """The layout of a header, its index columns and its extra columns; refused if none fits."""
    index = [h for i, h in enumerate(header) if i == 0 and (INDEX_COLUMN.match(h) or h == "_c0")]
    names = [h for h in header if h not in index]
    try:
        layout = detect_schema(names, where)
    except UnknownLayoutError as exc:
        raise RefusedError(str(exc)) from None
    used = {v.lower() for v in layout.mapping(names).values()}
    used |= {flag for _, flag, _ in layout.exclude}  # read for the exclusions
    extra = [h for h in names if h.lower() not in used]
    return layout, index, extra


def _notes(layout: SourceSchema, index: list[str], extra: list[str]) -> list[str]:
    notes = []
    if index:
        notes.append(f"column {index[0]!r} (an index column a spreadsheet or pandas added) ignored")
    if extra:
        notes.append(
            f"column(s) {', '.join(repr(e) for e in extra)} not in the layout {layout.name}: "
            "ignored, not loaded"
        )
    return notes


def numbered(df: DataFrame, first: int) -> DataFrame:
    """`df` with `_source_row`: its records numbered in file order from `first`, cached.

    `monotonically_increasing_id` numbers each partition from (partition << 33); one small
    aggregate gives the records before each partition, so the numbers become consecutive.
    The ids depend only on the file's split into partitions, the same at every read. A file
    read as one partition (gzip cannot be split) needs no aggregate; its numbered records are
    spread over the cores before they are cached, or every later step would run on one.
    """
    df = df.withColumn("_mid", F.monotonically_increasing_id())
    part = F.shiftright(F.col("_mid"), 33)
    single = df.rdd.getNumPartitions() == 1
    if single:
        row = F.col("_mid") + F.lit(first)
    else:
        counts = sorted(df.groupBy(part.alias("p")).count().collect(), key=lambda r: r.p)
        offsets, total = [], 0
        for r in counts:
            offsets += [F.lit(r.p), F.lit(total)]
            total += r["count"]
        base = F.element_at(F.create_map(*offsets), part) if offsets else F.lit(0)
        row = F.col("_mid") - F.shiftleft(part, 33) + base + F.lit(first)
    df = df.withColumn("_source_row", row.cast("long")).drop("_mid")
    if single:
        df = df.repartition(df.sparkSession.sparkContext.defaultParallelism)
    # cached: the numbers must not change between the reads of the part (and raw CSV and
    # JSON can only be queried for their corrupt-record column once cached)
    return df.persist()


def utf8_copy(path: Path, encoding: str) -> tuple[Path, Path | None]:
    """`path` if it is UTF-8, else a UTF-8 copy of its text in a temporary folder (and it).

    Spark 4 reads CSV and JSON in UTF-8, UTF-16/32, ASCII and Latin-1 only; Windows-1252
    (Excel's "CSV") is decoded here, streamed, exactly (`encoding.scan` checked it decodes).
    """
    if encoding == "utf-8":
        return path, None
    folder = Path(tempfile.mkdtemp(prefix="retail-ingest-"))
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as raw, (folder / name).open("w", encoding="utf-8") as out:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        shutil.copyfileobj(text, out, 1 << 20)
    return folder / name, folder


def _first_line(path: Path, encoding: str) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as f:
        return f.readline()


def _sniff(line: str) -> tuple[str, list[str]]:
    """The delimiter of a header line: the one whose fields make a known layout, else most."""
    best = (",", next(csv.reader([line]), []))
    for delimiter in DELIMITERS:
        fields = next(csv.reader([line], delimiter=delimiter), [])
        names = _clean_header(fields)
        if any(not s.missing(names) or not s.missing(names[1:]) for s in SCHEMAS):
            return delimiter, fields
        if len(fields) > len(best[1]):
            best = (delimiter, fields)
    return best


def read_csv(spark: SparkSession, path: Path, content: Content) -> list[Part]:
    """A CSV file (plain or gzip) as one part; malformed lines get `_corrupt_record`."""
    encoding = content.encoding or "utf-8"
    line = _first_line(path, "utf-8-sig" if encoding == "utf-8" else encoding)
    if not line.strip():
        raise RefusedError(f"{path.name}: line 1: empty file (no header line)")
    delimiter, fields = _sniff(line.rstrip("\r\n"))
    header = _clean_header(fields)
    layout, index, extra = _layout(header, f"{path.name}: line 1")
    notes = _notes(layout, index, extra)
    if delimiter != ",":
        notes.append(f"delimiter {delimiter!r} (sniffed from the header)")
    if encoding != "utf-8":
        notes.append(f"decoded as {encoding} (not valid UTF-8)")
    schema = T.StructType(
        [T.StructField(h, T.StringType()) for h in header]
        + [T.StructField(CORRUPT, T.StringType())]
    )
    source, temp = utf8_copy(path, encoding)
    df = (
        spark.read.schema(schema)
        .options(header=True, mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT)
        .options(sep=delimiter, escape='"', multiLine=False, enforceSchema=True)
        .options(encoding="UTF-8", maxCharsPerColumn=-1)
        .csv(str(source.resolve()))
    )
    return [Part(path.name, layout, numbered(df, first=2), notes, temp)]


def read_jsonl(spark: SparkSession, path: Path, content: Content) -> list[Part]:
    """JSON lines as one part: columns are the keys of every line; broken lines are corrupt."""
    source, temp = utf8_copy(path, content.encoding or "utf-8")
    df = (
        spark.read.options(mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT)
        .options(primitivesAsString=True, encoding="UTF-8")
        .json(str(source.resolve()))
    )
    header = [f.name for f in df.schema.fields if f.name != CORRUPT]
    if not header:
        raise RefusedError(f"{path.name}: line 1: no JSON object with keys in the file")
    layout, index, extra = _layout(header, f"{path.name}: line 1")
    df = df.select(
        *[F.col(f"`{h}`").cast("string").alias(h) for h in header],
        *([F.col(CORRUPT)] if CORRUPT in df.columns else []),
    )
    notes = _notes(layout, index, extra)
    return [Part(path.name, layout, numbered(df, first=1), notes, temp)]


def read_parquet(spark: SparkSession, path: Path) -> list[Part]:
    """A Parquet file as one part (typed columns as the file has them)."""
    df = spark.read.parquet(str(path.resolve()))
    layout, index, extra = _layout(df.columns, f"{path.name}: whole file")
    return [Part(path.name, layout, numbered(df, first=1), _notes(layout, index, extra))]


def read_xlsx(spark: SparkSession, path: Path) -> list[Part]:
    """Every data sheet of a workbook as a part; notes sheets are skipped with a message.

    A sheet's header is the first of its top rows that names a known layout's columns (a
    title block above it is skipped); a sheet with no such row and few layout names is
    notes. One that comes close (renamed or missing columns) refuses the workbook whole.
    """
    import pandas as pd

    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="calamine")
    except Exception as exc:  # a broken workbook: say which file and why
        message = f"{path.name}: whole file: cannot read as an Excel workbook ({exc})"
        raise RefusedError(message) from None
    parts, skipped = [], []
    for sheet, frame in sheets.items():
        frame = frame.astype(object).where(frame.notna(), None)
        name = f"{path.name}[{sheet}]"
        found = _header_row(frame, name)
        if found is None:
            skipped.append(f"sheet {sheet!r} has no header row of a known layout: skipped (notes?)")
            continue
        row, header = found
        layout, index, extra = _layout(header, f"{name}: row {row + 1}")
        notes = _notes(layout, index, extra)
        if row:
            notes.append(f"sheet {sheet!r}: header on row {row + 1}, the rows above skipped")
        data = frame.iloc[row + 1 :].copy()
        data.columns = header
        data = data[data.notna().any(axis=1)]  # blank rows are no lines
        data["_source_row"] = [i + 1 for i in data.index]  # the Excel row
        schema = T.StructType(
            [T.StructField(h, T.StringType()) for h in header]
            + [T.StructField("_source_row", T.LongType())]
        )
        rows = data.astype(object).where(data.notna(), None).values.tolist()
        parts.append(Part(name, layout, spark.createDataFrame(rows, schema), notes))
    if not parts:
        raise RefusedError(f"{path.name}: whole file: no sheet has a known layout's header")
    parts[0].notes[:0] = skipped
    return parts


def _header_row(frame, where: str) -> tuple[int, list[str]] | None:
    """(row index, cleaned names) of a sheet's header row; None for a notes sheet."""
    best: tuple[int, int, list[str]] | None = None
    for i in range(min(HEADER_SEARCH_ROWS, len(frame))):
        names = _clean_header([str(v) if v is not None else "" for v in frame.iloc[i].tolist()])
        trimmed = (
            names[1:] if names and (INDEX_COLUMN.match(names[0]) or names[0] == "_c0") else names
        )
        for schema in SCHEMAS:
            if not schema.missing(trimmed):
                return i, names
        matches = max(len(s.mapping(trimmed)) for s in SCHEMAS)
        if best is None or matches > best[0]:
            best = (matches, i, names)
    if best and best[0] > NOTES_MAX_MATCHES:
        _layout(best[2], f"{where}: row {best[1] + 1}")  # raises, naming what differs
    return None


def read(spark: SparkSession, path: Path, fmt: str, content: Content) -> list[Part]:
    """The parts of a file of format `fmt` (csv, jsonl, parquet, xlsx)."""
    if fmt == "csv":
        return read_csv(spark, path, content)
    if fmt == "jsonl":
        return read_jsonl(spark, path, content)
    if fmt == "parquet":
        return read_parquet(spark, path)
    return read_xlsx(spark, path)
