"""What ingest reads: the datasets of the raw lake, their columns, and the file layouts.

A dataset (transactions, inventory snapshots, stock receipts) is a raw table with typed
columns. A layout maps a file's header names to those columns: the UCI files have their own
names for the transaction columns, the project's generator and feeds use the canonical ones.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    ),
    unit=("invoice",),
    partition=("invoice_month", "trunc(invoiced_at, 'month')"),
    optional_columns=("sales_channel",),
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


@dataclass(frozen=True)
class SourceSchema:
    """One file layout: the dataset it feeds and how its header names map to its columns."""

    name: str
    dataset: Dataset
    columns: dict[str, str]  # dataset column -> name in the file

    def required(self) -> list[str]:
        """The file's names of the columns this layout must have."""
        return [
            source
            for canon, source in self.columns.items()
            if canon not in self.dataset.optional_columns
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


def _canonical(name: str, dataset: Dataset) -> SourceSchema:
    return SourceSchema(name, dataset, {c: c for c in dataset.column_names})


GENERATED = _canonical("retail_generator", TRANSACTIONS)
SNAPSHOT_FEED = _canonical("inventory_snapshot_feed", INVENTORY_SNAPSHOTS)
RECEIPT_FEED = _canonical("stock_receipt_feed", STOCK_RECEIPTS)

SCHEMAS = (GENERATED, UCI_ONLINE_RETAIL_II, UCI_ONLINE_RETAIL, SNAPSHOT_FEED, RECEIPT_FEED)


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
