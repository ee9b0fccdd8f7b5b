"""The rule set: what a line must meet to be loaded, declared once per dataset, applied at ingest.

A line that breaks a rule goes to `raw.rejects` with the rule's reason; the first rule it
breaks (in declared order) names it. The rules are those staging's error-level tests check
(invoice ids of letters and digits, customer ids without a fraction, no cancellation of
goods with a positive quantity, a sales channel staging accepts, amounts that fit
`decimal(18, 2)`, a store and a currency staging can look up in its seeds), plus what
staging cannot see: text that is not a number or a date, a date outside the window the shop
can have sold in, a NUL byte, a line a till export marks voided. So staging's tests, kept
as the safety net, pass on anything ingest loaded.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from retail_analytics.errors import RetailError
from retail_analytics.schemas import (
    INVENTORY_SNAPSHOTS,
    SQL_TYPES,
    STOCK_RECEIPTS,
    TRANSACTIONS,
    Dataset,
    SourceSchema,
)
from retail_analytics.spark import PROJECT_DIR

CORRUPT = "_corrupt_record"
# Dates before this are refused by default: the shop did not sell then (configurable).
DEFAULT_VALID_FROM = date(2000, 1, 1)
# The channels staging accepts (its `accepted_values` test), lower case.
SALES_CHANNELS = ("online store", "marketplace", "retail store")
SERVICE_CODES_SEED = PROJECT_DIR / "seeds" / "service_stock_codes.csv"
RATES_SEED = PROJECT_DIR / "seeds" / "currency_rates.csv"
LOCATIONS_SEED = PROJECT_DIR / "seeds" / "locations.csv"
HOME_CURRENCY = "GBP"  # amounts are in sterling; other currencies are converted in staging

INT_TEXT = r"^[+-]?[0-9]+(\.0*)?$"  # 12 or 12.0; not 12.5, 1e3, 1,000
DECIMAL_TEXT = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"  # 2.10; not £2.10, 2,50, N/A
CODE_TEXT = r"^[0-9A-Z]+$"  # an invoice id once upper-cased (staging's pattern)
CUSTOMER_TEXT = r"^[0-9A-Za-z_-]+$"  # a customer id without its `.0` (staging's pattern)
SLASH_DATE = r"^\s*([0-9]{1,2})/([0-9]{1,2})/([0-9]{2,4})"
EPOCH_TEXT = r"^[0-9]{11,13}$"  # pandas writes dates in JSON as epoch milliseconds
DATE_ORDERS = {"day-first": "d/M/yyyy", "month-first": "M/d/yyyy"}
TIMES = (" H:mm", " H:mm:ss", "")
# Money that cannot be a line's amount in decimal(18, 2)
MAX_AMOUNT = 10**15


class DateOrderError(RetailError):
    """A file whose slash dates cannot be read one way only."""


@dataclass(frozen=True)
class Options:
    """How to read what a file does not say itself; the CLI's ingest options."""

    date_order: str | None = None  # day-first, month-first; None: decided per file
    encoding: str | None = None  # utf-8, windows-1252, latin-1; None: detected
    valid_from: date | None = None  # None: DEFAULT_VALID_FROM
    valid_until: date | None = None  # None: the day after the load

    def start(self) -> date:
        """The first date a line may carry."""
        return self.valid_from or DEFAULT_VALID_FROM

    def until(self) -> date:
        """The last date a line may carry."""
        today = datetime.now(timezone.utc).date()
        return self.valid_until or today + timedelta(days=1)


@dataclass(frozen=True)
class Rule:
    """A rule: the reason a line is rejected for, and when it is broken."""

    reason: str
    broken: Callable[[dict[str, Column]], Column]  # typed values and `<name>_text` -> bool


def service_codes() -> tuple[list[str], list[str]]:
    """Exact service stock codes and prefixes, from the `service_stock_codes` seed."""
    exact, prefixes = [], []
    with SERVICE_CODES_SEED.open(newline="") as f:
        for row in csv.DictReader(f):
            (exact if row["match_type"] == "exact" else prefixes).append(row["stock_code"].upper())
    return exact, prefixes


def rated_currencies() -> list[str]:
    """`CUR:year` for each currency and year the `currency_rates` seed has a rate for."""
    with RATES_SEED.open(newline="") as f:
        return [f"{r['currency'].upper()}:{r['rate_year']}" for r in csv.DictReader(f)]


def location_ids() -> list[str]:
    """The stores and warehouses of the `locations` seed."""
    with LOCATIONS_SEED.open(newline="") as f:
        return [r["location_id"].upper() for r in csv.DictReader(f)]


def _unrated(v: dict[str, Column]) -> Column:
    """A currency other than sterling with no rate for the line's year."""
    currency = F.upper(F.trim(v["currency"]))
    key = F.concat_ws(":", currency, F.year(v["invoiced_at"]).cast("string"))
    return (
        (F.coalesce(currency, F.lit("")) != "")
        & (currency != HOME_CURRENCY)
        & ~key.isin(*rated_currencies())
    )


def _is_service(code: Column) -> Column:
    exact, prefixes = service_codes()
    upper = F.upper(code)
    test = upper.isin(*exact)
    for prefix in prefixes:
        test = test | upper.startswith(prefix)
    return test


def _missing(name: str) -> Callable[[dict[str, Column]], Column]:
    def broken(v: dict[str, Column]) -> Column:
        value = v[name]
        return value.isNull() | (F.trim(value.cast("string")) == "")

    return broken


def _unparsed(name: str) -> Callable[[dict[str, Column]], Column]:
    """Present in the file but not readable as its kind (or missing)."""
    return lambda v: v[name].isNull()


def _window(name: str, options: Options) -> list[Rule]:
    """Dates outside the window are rejected: they must never move an as-of date."""
    start, end = options.start(), options.until()
    label = {"invoiced_at": "invoice date"}.get(name, name.replace("_", " "))
    return [
        Rule(
            f"{label} before {start} (before the shop sold anything; see --valid-from)",
            lambda v: F.to_date(v[name]) < F.lit(start),
        ),
        Rule(
            f"{label} in the future (after {end}; see --valid-until)",
            lambda v: F.to_date(v[name]) > F.lit(end),
        ),
    ]


def rules(dataset: Dataset, options: Options) -> list[Rule]:
    """The rules of `dataset`, in the order their reasons are given."""
    common = [
        Rule(
            "malformed line (wrong number of fields or bad quoting)",
            lambda v: v[CORRUPT].isNotNull(),
        ),
        Rule("NUL byte in a field", lambda v: v["_raw_text"].contains("\x00")),
    ]
    if dataset is TRANSACTIONS:
        return [
            *common,
            Rule("missing invoice", _missing("invoice")),
            Rule(
                "invoice id not letters and digits",
                lambda v: ~F.coalesce(v["invoice"].rlike(CODE_TEXT), F.lit(False)),
            ),
            Rule("missing stock code", _missing("stock_code")),
            Rule("invoice date missing or not a date", _unparsed("invoiced_at")),
            *_window("invoiced_at", options),
            Rule(
                "quantity missing or not a whole number (fractional: quantity and price swapped?)",
                _unparsed("quantity"),
            ),
            Rule("price missing or not a number", _unparsed("unit_price")),
            Rule(
                "currency with no rate for the invoice's year (seed currency_rates)",
                _unrated,
            ),
            Rule(
                "store not in the locations seed",
                lambda v: (
                    (F.coalesce(v["location_id"], F.lit("")) != "")
                    & ~F.upper(v["location_id"]).isin(*location_ids())
                ),
            ),
            Rule(
                "customer id not letters and digits (a fraction, a space, a symbol)",
                lambda v: v["customer_id"].isNotNull() & ~v["customer_id"].rlike(CUSTOMER_TEXT),
            ),
            Rule(
                f"sales channel not one of: {', '.join(SALES_CHANNELS)}",
                lambda v: (
                    (F.coalesce(v["sales_channel"], F.lit("")) != "")
                    & ~F.lower(v["sales_channel"]).isin(*SALES_CHANNELS)
                ),
            ),
            Rule(
                "cancellation (C invoice) of goods with a positive quantity",
                lambda v: (
                    v["invoice"].startswith("C")
                    & (v["quantity"] > 0)
                    & ~_is_service(v["stock_code"])
                ),
            ),
            Rule(
                "line amount (quantity x price) too large",
                lambda v: F.abs(v["quantity"] * v["unit_price"]) >= MAX_AMOUNT,
            ),
        ]
    if dataset is INVENTORY_SNAPSHOTS:
        return [
            *common,
            Rule("snapshot date missing or not a date", _unparsed("snapshot_date")),
            *_window("snapshot_date", options),
            Rule("missing location", _missing("location_id")),
            Rule("missing stock code", _missing("stock_code")),
            Rule("on-hand quantity missing or not a whole number", _unparsed("on_hand_qty")),
        ]
    if dataset is STOCK_RECEIPTS:
        return [
            *common,
            Rule("receipt date missing or not a date", _unparsed("received_date")),
            *_window("received_date", options),
            Rule("missing location", _missing("location_id")),
            Rule("missing stock code", _missing("stock_code")),
            Rule("quantity missing or not a whole number", _unparsed("qty")),
        ]
    raise ValueError(f"no rules for {dataset.name}")  # pragma: no cover


# --- typing ----------------------------------------------------------------------------------


def _as_text(c: Column, dtype: T.DataType) -> Column:
    """Text of a value; whole numbers stored as floating point lose their `.0`."""
    if isinstance(dtype, (T.FloatType, T.DoubleType, T.DecimalType)):
        return F.when(c == F.floor(c), F.floor(c).cast("string")).otherwise(c.cast("string"))
    return c.cast("string")


def _is_text(dtype: T.DataType) -> bool:
    return isinstance(dtype, (T.StringType, T.VarcharType, T.CharType))


def _int(c: Column, dtype: T.DataType) -> Column:
    if _is_text(dtype):
        text = F.trim(c)
        number = F.when(text.rlike(INT_TEXT), text.try_cast(T.DecimalType(20, 3)))
    else:
        number = c.try_cast(T.DecimalType(20, 3))
    return F.when(number == F.floor(number), number.try_cast("int"))


def _decimal(c: Column, dtype: T.DataType) -> Column:
    if _is_text(dtype):
        text = F.trim(c)
        return F.when(text.rlike(DECIMAL_TEXT), text.try_cast(T.DecimalType(18, 3)))
    return _as_text(c, dtype).try_cast(T.DecimalType(18, 3))


def _epoch(c: Column) -> Column:
    """Epoch numbers: pandas writes nanoseconds to Parquet, milliseconds to JSON."""
    a = F.abs(c)
    return (
        F.when(a >= 10**17, F.timestamp_micros(F.floor(c / 1000)))
        .when(a >= 10**14, F.timestamp_micros(c))
        .when(a >= 10**11, F.timestamp_millis(c))
        .otherwise(F.timestamp_seconds(c))
    )


def _timestamp(c: Column, dtype: T.DataType, date_order: str) -> Column:
    if isinstance(dtype, (T.LongType, T.IntegerType)):
        return _epoch(c)
    if isinstance(dtype, (T.TimestampType, T.TimestampNTZType, T.DateType)):
        return c.cast("timestamp")
    text = F.trim(c.cast("string"))
    slash = DATE_ORDERS[date_order]
    return (
        F.when(text.rlike(EPOCH_TEXT), _epoch(text.try_cast("long")))
        .when(
            text.rlike(SLASH_DATE),
            F.coalesce(*(F.try_to_timestamp(text, F.lit(slash + t)) for t in TIMES)),
        )
        .otherwise(F.try_to_timestamp(text))
    )


def typed(c: Column, dtype: T.DataType, kind: str, name: str, date_order: str) -> Column:
    """A source column parsed to a dataset column's kind; null where it does not parse."""
    if kind == "text":
        text = F.trim(_as_text(c, dtype))
        if name == "invoice":  # `c1` and `C1` are one invoice
            text = F.upper(text)
        if name == "customer_id":  # `17850.0` from a floating-point file is `17850`
            text = F.nullif(F.regexp_replace(text, r"\.0+$", ""), F.lit(""))
        return text
    if kind == "free_text":
        return _as_text(c, dtype)
    if kind == "int":
        return _int(c, dtype)
    if kind == "decimal":
        return _decimal(c, dtype)
    stamp = _timestamp(c, dtype, date_order)
    return stamp if kind == "timestamp" else F.to_date(stamp)


# --- dates written with slashes ----------------------------------------------------------------


def date_evidence(df: DataFrame, column: str) -> dict[str, int | None]:
    """First lines (`_source_row`) whose slash date shows its order, or is ambiguous."""
    text = F.col(f"`{column}`").cast("string")
    first = F.regexp_extract(text, SLASH_DATE, 1).try_cast("int")
    second = F.regexp_extract(text, SLASH_DATE, 2).try_cast("int")
    row = F.col("_source_row")
    # only the slash dates are looked at (an ISO-dated file has none: one regex per line)
    found = (
        df.where(text.rlike(SLASH_DATE))
        .select(
            F.min(F.when((first > 12) & (second <= 12), row)).alias("day_first"),
            F.min(F.when((second > 12) & (first <= 12), row)).alias("month_first"),
            F.min(F.when((first <= 12) & (second <= 12) & (first != second), row)).alias(
                "ambiguous"
            ),
            F.min(F.when((first <= 12) & (second <= 12) & (first != second), text)).alias(
                "example"
            ),
        )
        .first()
    )
    return found.asDict()


def decide_date_order(evidence: dict, option: str | None, where: str) -> str:
    """day-first or month-first for a file, from `--date-format` or its own dates.

    A day above 12 in the first place means day-first, in the second month-first. A file
    with both, or with only dates that read either way, is refused: never half-read one way.
    """
    if option:
        return option
    day, month = evidence.get("day_first"), evidence.get("month_first")
    if day is not None and month is not None:
        raise DateOrderError(
            f"{where}: line {max(day, month)}: dates are written both ways (line {day} reads "
            f"day first, line {month} month first); fix the file or give --date-format"
        )
    if day is not None:
        return "day-first"
    if month is not None:
        return "month-first"
    if evidence.get("ambiguous") is not None:
        raise DateOrderError(
            f"{where}: line {evidence['ambiguous']}: cannot tell whether dates like "
            f"{evidence['example']!r} are day first or month first (no day above 12 in the "
            "file); give --date-format day-first or --date-format month-first"
        )
    return "month-first"  # no ambiguous date: either reads the same


# --- applying the rules --------------------------------------------------------------------------


def parse(
    df: DataFrame,
    mapping: dict[str, str],
    dataset: Dataset = TRANSACTIONS,
    options: Options = Options(),
    date_order: str = "month-first",
    layout: SourceSchema | None = None,
) -> DataFrame:
    """The dataset's typed columns, `_reject_reason` (null for a good line), `_raw_record`.

    `layout` adds its constant and derived columns, and its exclusions as the first rules
    after the malformed-line ones."""
    dtypes = {f.name: f.dataType for f in df.schema.fields}

    def source(name: str) -> Column:
        return F.col(f"`{mapping[name]}`") if name in mapping else F.lit(None).cast("string")

    columns: dict[str, Column] = {}
    for column in dataset.columns:
        if layout and column.name in layout.derived:
            derived = layout.derived[column.name](source)
            value = typed(derived, T.StringType(), column.kind, column.name, date_order)
        elif column.name in mapping:
            name = mapping[column.name]
            value = typed(F.col(f"`{name}`"), dtypes[name], column.kind, column.name, date_order)
        elif layout and column.name in layout.constants:
            value = F.lit(layout.constants[column.name]).cast(SQL_TYPES[column.kind])
        else:
            value = F.lit(None).cast(SQL_TYPES[column.kind])
        columns[column.name] = value
    actual = {name.strip().lower(): name for name in df.columns}
    excluded: dict[str, tuple[str, Column]] = {}  # alias -> (reason, the line is excluded)
    for i, (reason, flag, marks) in enumerate(layout.exclude if layout else ()):
        if flag in actual:  # a file without the flag column excludes nothing
            text = F.lower(F.trim(F.col(f"`{actual[flag]}`").cast("string")))
            excluded[f"_excluded_{i}"] = (reason, F.coalesce(text.isin(*marks), F.lit(False)))
    flags = [test.alias(alias) for alias, (_, test) in excluded.items()]
    originals = [name for name in df.columns if name not in (CORRUPT, "_source_row")]
    corrupt = F.col(CORRUPT) if CORRUPT in df.columns else F.lit(None).cast("string")
    text = F.concat_ws("\x1f", *[F.col(f"`{n}`").cast("string") for n in originals])
    # two steps: the rules refer to the typed values by name, not to their expressions
    # (inlined into every rule they would make a plan that is slow to compile); the source
    # columns go along, renamed, for the raw record of the lines that break a rule
    kept = {f"_source_{i}": name for i, name in enumerate(originals)}
    typed_df = df.select(
        *[expr.alias(name) for name, expr in columns.items()],
        "_source_row",
        corrupt.alias(CORRUPT),
        F.coalesce(corrupt, text).alias("_raw_text"),
        *[F.col(f"`{name}`").cast("string").alias(alias) for alias, name in kept.items()],
        *flags,
    )
    record = F.to_json(F.struct(*[F.col(alias).alias(name) for alias, name in kept.items()]))
    values = {name: F.col(name) for name in [*columns, CORRUPT, "_raw_text", *excluded]}
    ordered = rules(dataset, options)
    exclusions = [Rule(reason, lambda v, a=alias: v[a]) for alias, (reason, _) in excluded.items()]
    ordered[2:2] = exclusions  # after the malformed line and the NUL byte
    reason = F.lit(None).cast("string")
    for rule in reversed(ordered):  # the first rule broken gives the reason
        broken = F.coalesce(rule.broken(values), F.lit(False))
        reason = F.when(broken, rule.reason).otherwise(reason)
    return typed_df.select(
        *columns,
        "_source_row",
        reason.alias("_reject_reason"),
        # the raw text of a rejected line (what `raw.rejects` keeps); null for a good one
        F.when(reason.isNotNull(), F.coalesce(F.col(CORRUPT), record)).alias("_raw_record"),
    )
