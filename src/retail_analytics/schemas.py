"""The transaction file layouts ingest understands, and the raw lake's own column names."""

from __future__ import annotations

from dataclasses import dataclass

from retail_analytics.errors import RetailError

# The raw lake's columns, in table order (the partition column `invoice_month` comes last).
CANONICAL = (
    "invoice",
    "stock_code",
    "description",
    "quantity",
    "invoiced_at",
    "unit_price",
    "customer_id",
    "country",
    "sales_channel",
)
REQUIRED = CANONICAL[:8]  # sales_channel is optional in every layout


@dataclass(frozen=True)
class SourceSchema:
    """One file layout: how its header names map to the canonical columns."""

    name: str
    columns: dict[str, str]  # canonical name -> name in the file

    def missing(self, header: list[str]) -> list[str]:
        """The required columns of this layout that `header` lacks (case-insensitive)."""
        present = {h.strip().lower() for h in header}
        return [
            self.columns[c]
            for c in REQUIRED
            if c in self.columns and self.columns[c].lower() not in present
        ]

    def mapping(self, header: list[str]) -> dict[str, str]:
        """canonical name -> actual header name, for the columns present in `header`."""
        actual = {h.strip().lower(): h for h in header}
        return {
            canon: actual[source.lower()]
            for canon, source in self.columns.items()
            if source.lower() in actual
        }


UCI_ONLINE_RETAIL = SourceSchema(
    "uci_online_retail",
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
GENERATED = SourceSchema("retail_generator", {c: c for c in CANONICAL})

SCHEMAS = (GENERATED, UCI_ONLINE_RETAIL_II, UCI_ONLINE_RETAIL)


def detect_schema(header: list[str], source: str) -> SourceSchema:
    """The layout whose required columns are all in `header`; else an error naming the gaps."""
    for schema in SCHEMAS:
        if not schema.missing(header):
            return schema
    closest = min(SCHEMAS, key=lambda s: len(s.missing(header)))
    raise UnknownLayoutError(
        f"{source}: not a known transactions layout. Closest is {closest.name}, which "
        f"lacks the columns {', '.join(closest.missing(header))}. "
        f"Columns found: {', '.join(header) or '(none)'}. Known layouts: "
        + "; ".join(f"{s.name} ({', '.join(s.columns[c] for c in REQUIRED)})" for s in SCHEMAS)
    )


class UnknownLayoutError(RetailError):
    """A file whose header matches none of the known layouts."""
