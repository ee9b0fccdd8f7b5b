"""Recognising the file layouts, and the message for a file that matches none."""

from __future__ import annotations

import pytest

from retail_analytics.schemas import UnknownLayoutError, detect_schema

UCI_I = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
UCI_II = [
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
]
OURS = [
    "invoice",
    "stock_code",
    "description",
    "quantity",
    "invoiced_at",
    "unit_price",
    "customer_id",
    "country",
    "sales_channel",
]


MARKETPLACE = ["order-id", "purchase-date", "sku", "title", "quantity", "item-price",
               "currency", "marketplace-fee", "ship-country", "buyer-id"]  # fmt: skip
TILL = ["receipt_no", "store", "timestamp", "sku", "qty", "price", "loyalty_card", "void"]


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (UCI_I, "uci_online_retail"),
        (UCI_II, "uci_online_retail_ii"),
        (OURS, "retail_generator"),
        (MARKETPLACE, "marketplace_orders"),
        (TILL, "store_till"),
        ([c.upper() for c in TILL if c != "void"], "store_till"),  # no void column: none voided
    ],
)
def test_known_layouts(header, name):
    assert detect_schema(header, "f").name == name


def test_header_case_and_spaces_do_not_matter():
    schema = detect_schema([" invoiceno", "STOCKCODE", *UCI_I[2:]], "f")
    assert schema.name == "uci_online_retail"
    assert schema.mapping([" invoiceno", "STOCKCODE", *UCI_I[2:]])["invoice"] == " invoiceno"


def test_generator_layout_without_channel_is_accepted():
    assert detect_schema(OURS[:-1], "f").name == "retail_generator"


def test_unknown_layout_names_the_missing_columns():
    header = [c for c in UCI_II if c not in ("Price", "Customer ID")]
    with pytest.raises(UnknownLayoutError) as err:
        detect_schema(header, "sales.csv")
    message = str(err.value)
    assert "sales.csv" in message and "uci_online_retail_ii" in message
    assert "Price" in message and "Customer ID" in message


def test_channel_layouts_say_their_channel_and_read_every_column_they_need():
    marketplace = detect_schema(MARKETPLACE, "f")
    till = detect_schema(TILL, "f")
    assert marketplace.constants == {"sales_channel": "marketplace"}
    assert till.constants == {"sales_channel": "retail store"}
    # the ids that must not collide with the web shop's are derived, not read as they are
    assert {"invoice", "customer_id"} <= set(marketplace.derived)
    assert "invoice" in set(till.derived)
    assert till.mapping(TILL)["location_id"] == "store"
    # a till file must name its store (its currency and country come from it)
    with pytest.raises(UnknownLayoutError, match="store"):
        detect_schema([c for c in TILL if c != "store"], "f")
