"""What ingest reads: the datasets of the raw lake, their columns, and the file layouts.

A dataset (transactions, inventory snapshots, stock receipts) is a raw table with typed
columns. A layout maps a file's header names to those columns: the UCI files have their own
names for the transaction columns, the project's generator and feeds use the canonical ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pyspark.sql import Column as SparkColumn
from pyspark.sql import functions as F

from retail_analytics.errors import RetailError

# The Spark SQL type of each column kind: the raw tables' columns and the parsed values.
SQL_TYPES = {
    "text": "string",
    "free_text": "string",
    "int": "int",
    "decimal": "decimal(18, 3)",
    "timestamp": "timestamp",
    "date": "date",
}


@dataclass(frozen=True)
class Column:
    """A raw column: its type, and the reject reason when a required value is missing/bad."""

    name: str
    kind: str  # text (trimmed), free_text (as written), int, decimal, timestamp, date
    reject_reason: str | None = None  # None: optional, a bad value becomes null

    @property
    def required(self) -> bool:
        return self.reject_reason is not None


@dataclass(frozen=True)
class Dataset:
    """A raw table ingest writes, and how its lines are checked and deduplicated."""

    name: str
    columns: tuple[Column, ...]  # in table order; the reasons are checked in this order
    # A unit of loading: lines whose unit is already in the table (from another file) are
    # skipped as duplicates, so a whole invoice or a whole day's snapshot loads once.
    unit: tuple[str, ...]
    partition: tuple[str, str] | None = None  # (column, SQL expression) if partitioned
    description: str = ""
    # columns a file may lack altogether (every other column of a layout must be present,
    # even where its values may be empty, like the customer id)
    optional_columns: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


TRANSACTIONS = Dataset(
    "transactions",
    (
        Column("invoice", "text", "missing invoice"),
        Column("stock_code", "text", "missing stock code"),
        Column("description", "free_text"),
        Column("invoiced_at", "timestamp", "invoice date missing or not a date"),
        Column("quantity", "int", "quantity missing or not a whole number"),
        Column("unit_price", "decimal", "price missing or not a number"),
        Column("customer_id", "text"),
        Column("country", "text"),
        Column("sales_channel", "text"),
        Column("currency", "text"),
        Column("location_id", "text"),
    ),
    unit=("invoice",),
    partition=("invoice_month", "trunc(invoiced_at, 'month')"),
    optional_columns=("sales_channel", "currency", "location_id"),
    description="Transaction lines as read from the source files, one row per line loaded",
)
INVENTORY_SNAPSHOTS = Dataset(
    "inventory_snapshots",
    (
        Column("snapshot_date", "date", "snapshot date missing or not a date"),
        Column("location_id", "text", "missing location"),
        Column("stock_code", "text", "missing stock code"),
        Column("on_hand_qty", "int", "on-hand quantity missing or not a whole number"),
        Column("unit_cost", "decimal"),
    ),
    unit=("snapshot_date", "location_id"),
    description="Stock on hand per location and product at each snapshot date",
)
STOCK_RECEIPTS = Dataset(
    "stock_receipts",
    (
        Column("received_date", "date", "receipt date missing or not a date"),
        Column("location_id", "text", "missing location"),
        Column("stock_code", "text", "missing stock code"),
        Column("qty", "int", "quantity missing or not a whole number"),
    ),
    unit=("received_date", "location_id"),
    description="Stock received per location, product and day",
)
DATASETS = (TRANSACTIONS, INVENTORY_SNAPSHOTS, STOCK_RECEIPTS)


# A value computed from a line's source columns: given a function that returns a source
# column by its dataset column's name (`invoice` -> the file's `order-id`), a Spark column.
Derive = Callable[[Callable[[str], SparkColumn]], SparkColumn]


@dataclass(frozen=True)
class SourceSchema:
    """One file layout: the dataset it feeds and how its header names map to its columns.

    `constants` are dataset columns the layout implies (every line of a marketplace report
    was sold on the marketplace); `derived` ones are computed from the line's source
    columns before typing (a till's invoice id is its store and receipt number); `exclude`
    are (reason, test) pairs: lines the layout marks as not sales, rejected with the reason.
    """

    name: str
    dataset: Dataset
    columns: dict[str, str]  # dataset column -> name in the file
    constants: dict[str, str] = field(default_factory=dict)
    derived: dict[str, Derive] = field(default_factory=dict)
    exclude: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (reason, file column, values)
    description: str = ""
    # columns the dataset may lack but this layout must have (a till's store)
    requires: tuple[str, ...] = ()

    def required(self) -> list[str]:
        """The file's names of the columns this layout must have."""
        return [
            source
            for canon, source in self.columns.items()
            if canon not in self.dataset.optional_columns or canon in self.requires
        ]

    def missing(self, header: list[str]) -> list[str]:
        """The required columns of this layout that `header` lacks (case-insensitive)."""
        present = {h.strip().lower() for h in header}
        return [name for name in self.required() if name.lower() not in present]

    def mapping(self, header: list[str]) -> dict[str, str]:
        """dataset column -> actual header name, for the columns present in `header`."""
        actual = {h.strip().lower(): h for h in header}
        return {
            canon: actual[source.lower()]
            for canon, source in self.columns.items()
            if source.lower() in actual
        }


UCI_ONLINE_RETAIL = SourceSchema(
    "uci_online_retail",
    TRANSACTIONS,
    {
        "invoice": "InvoiceNo",
        "stock_code": "StockCode",
        "description": "Description",
        "quantity": "Quantity",
        "invoiced_at": "InvoiceDate",
        "unit_price": "UnitPrice",
        "customer_id": "CustomerID",
        "country": "Country",
    },
)
UCI_ONLINE_RETAIL_II = SourceSchema(
    "uci_online_retail_ii",
    TRANSACTIONS,
    {
        "invoice": "Invoice",
        "stock_code": "StockCode",
        "description": "Description",
        "quantity": "Quantity",
        "invoiced_at": "InvoiceDate",
        "unit_price": "Price",
        "customer_id": "Customer ID",
        "country": "Country",
    },
)


def _code(c: SparkColumn) -> SparkColumn:
    """An id with all but its letters and digits taken out (`205-1234567-89` -> `205123456789`)."""
    return F.regexp_replace(F.trim(c.cast("string")), "[^0-9A-Za-z]", "")


def _prefixed(prefix: str, *parts: str, joiner: str = "") -> Derive:
    """`prefix` + the ids of `parts` (dataset columns) joined by `joiner`, so ids of one
    channel never equal another's; null when a part is missing (then the line is rejected
    for a missing invoice, or has no customer)."""

    def derive(source: Callable[[str], SparkColumn]) -> SparkColumn:
        codes = [_code(source(p)) for p in parts]
        present = F.lit(True)
        for code in codes:
            present = present & (F.coalesce(code, F.lit("")) != "")
        return F.when(present, F.concat(F.lit(prefix), F.concat_ws(joiner, *codes)))

    return derive


# A marketplace's order report: one line per order item, its price in the currency the
# buyer paid, the buyer's country as an ISO code; the marketplace's fee is its cost, not the
# buyer's price (a fee column is not loaded). Order ids become `M` + the id's digits and
# letters, buyer ids `MKT-` + the marketplace's id: the marketplace does not share who the
# buyer is, so they never match a web-shop customer.
MARKETPLACE_ORDERS = SourceSchema(
    "marketplace_orders",
    TRANSACTIONS,
    {
        "invoice": "order-id",
        "invoiced_at": "purchase-date",
        "stock_code": "sku",
        "description": "title",
        "quantity": "quantity",
        "unit_price": "item-price",
        "currency": "currency",
        "country": "ship-country",
        "customer_id": "buyer-id",
    },
    constants={"sales_channel": "marketplace"},
    derived={
        "invoice": _prefixed("M", "invoice"),
        "customer_id": _prefixed("MKT-", "customer_id"),
    },
    description="a marketplace's order report",
)
# A store till's export: one line per item scanned, priced in the store's currency, no
# description, the customer only when a loyalty card was shown (its id is the web shop's
# customer id). The invoice is `S` + store + `R` + receipt number (receipt numbers repeat
# across stores); the store is the line's location, whose country and currency the
# `locations` seed gives. Lines voided at the till were never sold: rejected with a reason.
STORE_TILL = SourceSchema(
    "store_till",
    TRANSACTIONS,
    {
        "invoice": "receipt_no",
        "location_id": "store",
        "invoiced_at": "timestamp",
        "stock_code": "sku",
        "quantity": "qty",
        "unit_price": "price",
        "customer_id": "loyalty_card",
    },
    constants={"sales_channel": "retail store"},
    derived={"invoice": _prefixed("S", "location_id", "invoice", joiner="R")},
    requires=("location_id",),
    exclude=(
        (
            "voided at the till (scanned, then taken off the receipt): not a sale",
            "void",
            ("y", "yes", "true", "1"),
        ),
    ),
    description="a store till's export",
)


def _canonical(name: str, dataset: Dataset) -> SourceSchema:
    return SourceSchema(name, dataset, {c: c for c in dataset.column_names})


GENERATED = _canonical("retail_generator", TRANSACTIONS)
SNAPSHOT_FEED = _canonical("inventory_snapshot_feed", INVENTORY_SNAPSHOTS)
RECEIPT_FEED = _canonical("stock_receipt_feed", STOCK_RECEIPTS)

SCHEMAS = (
    GENERATED,
    UCI_ONLINE_RETAIL_II,
    UCI_ONLINE_RETAIL,
    MARKETPLACE_ORDERS,
    STORE_TILL,
    SNAPSHOT_FEED,
    RECEIPT_FEED,
)


def detect_schema(header: list[str], source: str) -> SourceSchema:
    """The layout whose required columns are all in `header`; else an error naming the gaps."""
    for schema in SCHEMAS:
        if not schema.missing(header):
            return schema
    # the layout with most of its columns present (ties: the first, transactions)
    closest = max(SCHEMAS, key=lambda s: len(s.mapping(header)))
    known = {name.lower() for name in closest.columns.values()}
    others = [h for h in header if h.strip().lower() not in known]
    raise UnknownLayoutError(
        f"{source}: not a known layout. Closest is {closest.name} ({closest.dataset.name}), "
        f"which lacks the columns {', '.join(closest.missing(header))}"
        + (f" (the file has instead: {', '.join(others)}). " if others else ". ")
        + f"Columns found: {', '.join(header) or '(none)'}. Known layouts: "
        + "; ".join(f"{s.name} ({', '.join(s.required())})" for s in SCHEMAS)
    )


class UnknownLayoutError(RetailError):
    """A file whose header matches none of the known layouts."""
