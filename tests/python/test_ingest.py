"""Ingest: every format and layout, rejects with reasons, idempotency, invoice dedupe."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from retail_analytics import generate, ingest
from retail_analytics.rules import Options

UCI_I_HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"


def write_csv(path: Path, rows: list[str], header: str = UCI_I_HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def table_count(spark, table: str) -> int:
    return spark.table(table).count()


def test_rejects_have_a_reason_and_every_line_is_accounted_for(empty_lake, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            "536365,85123A,WHITE HEART ,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",
            "536365,71053,LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom",
            "536366,22633,HAND WARMER,6,not a date,1.85,17850,United Kingdom",
            "536366,22632,HAND WARMER,six,2010-12-01 08:28:00,1.85,17850,United Kingdom",
            "536366,22632,HAND WARMER,1.5,2010-12-01 08:28:00,1.85,17850,United Kingdom",
            ",22632,HAND WARMER,6,2010-12-01 08:28:00,1.85,17850,United Kingdom",
            "536367, ,HAND WARMER,6,2010-12-01 08:28:00,1.85,17850,United Kingdom",
            "536367,84879,BIRD,32,2010-12-01 08:34:00,£1.69,13047,United Kingdom",
            "536367,84879,BIRD,32,2010-12-01 08:34:00,1.69,13047,United Kingdom,extra,fields",
        ],
    )
    # 12/1/2010 alone cannot tell day-first from month-first: the option says which
    options = Options(date_order="month-first")
    [result], _ = ingest.ingest(empty_lake, path, options=options)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (9, 2, 7)
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_duplicate
    reasons = {
        r.reason: r.n
        for r in empty_lake.sql(
            f"select reason, count(*) as n from {ingest.REJECTS} group by reason"
        ).collect()
    }
    assert reasons == {
        "invoice date missing or not a date": 1,
        "quantity missing or not a whole number (fractional: quantity and price swapped?)": 2,
        "missing invoice": 1,
        "missing stock code": 1,
        "price missing or not a number": 1,
        "malformed line (wrong number of fields or bad quoting)": 1,
    }
    raw = empty_lake.table(ingest.REJECTS).where("reason like 'quantity%'").collect()
    assert {json.loads(r.raw_record)["Quantity"] for r in raw} == {"six", "1.5"}
    loaded = empty_lake.table(ingest.TRANSACTIONS).orderBy("_source_row").collect()
    assert [str(r.invoiced_at) for r in loaded] == ["2010-12-01 08:26:00"] * 2  # ISO and US dates
    assert loaded[0].description == "WHITE HEART "  # raw keeps the text as it was
    log = empty_lake.table(ingest.LOAD_LOG).collect()
    assert [(r.rows_read, r.rows_loaded, r.rows_rejected, r.status) for r in log] == [
        (9, 2, 7, "partly rejected")
    ]


def test_same_file_twice_loads_nothing_the_second_time(empty_lake, tmp_path):
    path = generate.write(tmp_path / "g.csv.gz", 1_000, seed=5, progress=False)
    [first], _ = ingest.ingest(empty_lake, path)
    [second], _ = ingest.ingest(empty_lake, path)
    assert first.rows_loaded == 1_000
    assert second.already_loaded_as == "g.csv.gz" and second.rows_loaded == 0
    assert table_count(empty_lake, ingest.TRANSACTIONS) == 1_000
    assert table_count(empty_lake, ingest.LOAD_LOG) == 1


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_an_invoice_is_loaded_once_whichever_file_comes_first(empty_lake, tmp_path, order):
    line = "{inv},{code},ITEM,{qty},2010-12-01 08:26:00,1.00,17850,United Kingdom"
    files = {
        # the same line twice in one invoice is real (the shop keyed it twice): both stay
        "a": [
            line.format(inv=1, code="A", qty=1),
            line.format(inv=1, code="A", qty=1),
            line.format(inv=2, code="B", qty=2),
        ],
        "b": [line.format(inv=2, code="B", qty=2), line.format(inv=3, code="C", qty=3)],
    }
    results = []
    for name in order:
        [r], _ = ingest.ingest(empty_lake, write_csv(tmp_path / f"{name}.csv", files[name]))
        results.append(r)
    assert sum(r.rows_duplicate for r in results) == 1
    rows = empty_lake.sql(
        f"select invoice, count(*) as n from {ingest.TRANSACTIONS} group by invoice"
    ).collect()
    assert {r.invoice: r.n for r in rows} == {"1": 2, "2": 1, "3": 1}


def test_an_invoice_number_reused_on_another_day_is_rejected(empty_lake, tmp_path):
    line = "7,{code},ITEM,1,{day} 08:26:00,1.00,17850,United Kingdom"
    first = write_csv(tmp_path / "a.csv", [line.format(code="A", day="2010-12-01")])
    later = write_csv(
        tmp_path / "b.csv",
        [
            line.format(code="B", day="2010-12-01"),  # the invoice's other lines: a split file
            line.format(code="C", day="2010-12-02"),  # the number again, a day on
            line.format(code="D", day="2011-01-05"),  # and a month on
        ],
    )
    ingest.ingest(empty_lake, first)
    [result], _ = ingest.ingest(empty_lake, later)
    assert (result.rows_loaded, result.rows_rejected) == (1, 2), result.summary()
    rejects = empty_lake.table(ingest.REJECTS).collect()
    assert {r.reason for r in rejects} == {ingest.REUSED_INVOICE}
    # rejected lines parsed well: their parsed values are the raw record
    assert sorted(json.loads(r.raw_record)["stock_code"] for r in rejects) == ["C", "D"]
    codes = {r.stock_code for r in empty_lake.table(ingest.TRANSACTIONS).collect()}
    assert codes == {"A", "B"}


def test_uci_ii_parquet_with_pandas_nanoseconds_and_float_ids(empty_lake, tmp_path):
    frame = pd.DataFrame(
        {
            "Invoice": ["489434", "C489449"],
            "StockCode": ["85048", "22087"],
            "Description": ["15CM CHRISTMAS GLASS BALL ", "nan"],
            "Quantity": [12, -12],
            "InvoiceDate": pd.to_datetime(["2009-12-01 07:45:00", "2009-12-01 10:33:00"]),
            "Price": [6.95, 2.95],
            "Customer ID": [13085.0, None],
            "Country": ["United Kingdom", "Australia"],
        }
    )
    path = tmp_path / "ii.parquet"
    frame.to_parquet(path)  # pandas writes nanosecond timestamps
    [result], _ = ingest.ingest(empty_lake, path)
    assert result.rows_loaded == 2
    rows = empty_lake.table(ingest.TRANSACTIONS).orderBy("_source_row").collect()
    assert [str(r.invoiced_at) for r in rows] == ["2009-12-01 07:45:00", "2009-12-01 10:33:00"]
    assert [r.customer_id for r in rows] == ["13085", None]
    assert [str(r.invoice_month) for r in rows] == ["2009-12-01", "2009-12-01"]
    assert [float(r.unit_price) for r in rows] == [6.95, 2.95]


def test_every_workbook_sheet_is_read_and_overlapping_sheets_dedupe(empty_lake, tmp_path):
    line = {
        "Invoice": "1",
        "StockCode": "A",
        "Description": "X",
        "Quantity": 1,
        "InvoiceDate": pd.Timestamp("2010-12-01 08:00"),
        "Price": 1.0,
        "Customer ID": 12346.0,
        "Country": "France",
    }
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([line, {**line, "Invoice": "2"}]).to_excel(
            writer, sheet_name="Year 2009-2010", index=False
        )
        pd.DataFrame([{**line, "Invoice": "2"}, {**line, "Invoice": "3"}]).to_excel(
            writer, sheet_name="Year 2010-2011", index=False
        )
    [result], _ = ingest.ingest(empty_lake, path)
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (4, 3, 1)
    files = {r._source_file for r in empty_lake.table(ingest.TRANSACTIONS).collect()}
    assert files == {"book.xlsx[Year 2009-2010]", "book.xlsx[Year 2010-2011]"}
    rows = empty_lake.table(ingest.TRANSACTIONS).where("invoice = '1'").collect()
    assert rows[0].customer_id == "12346" and rows[0]._source_row == 2  # Excel row number


def test_every_format_parses_to_the_same_values(spark, tmp_path):
    def totals(path: Path):
        [(name, df)] = ingest.read_parts(spark, path, ingest.file_format(path))
        header = [c for c in df.columns if c not in (ingest.CORRUPT, "_source_row")]
        from retail_analytics.schemas import detect_schema

        parsed = ingest.parse(df, detect_schema(header, name).mapping(header))
        return parsed.selectExpr(
            "count(*)",
            "count(_reject_reason)",
            "sum(quantity)",
            "sum(quantity * unit_price)",
            "count(distinct customer_id)",
            "count(description)",
            "min(invoiced_at)",
            "max(invoiced_at)",
            "count(distinct sales_channel)",
        ).first()

    names = ["g.csv", "g.csv.gz", "g.parquet", "g.jsonl", "g.jsonl.gz"]
    results = {
        n: totals(generate.write(tmp_path / n, 3_000, seed=11, progress=False)) for n in names
    }
    assert results["g.csv"][0] == 3_000 and results["g.csv"][1] == 0
    assert all(r == results["g.csv"] for r in results.values()), results


def test_json_lines_with_a_broken_line_rejects_it(empty_lake, tmp_path):
    good = {
        "invoice": "9",
        "stock_code": "A",
        "description": "X",
        "quantity": 2,
        "invoiced_at": "2011-01-01T10:00:00",
        "unit_price": 1.5,
        "customer_id": "1",
        "country": "Spain",
        "sales_channel": "marketplace",
    }
    path = tmp_path / "t.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write(json.dumps(good) + "\n" + '{"invoice": "10", "stock_code": \n')
    [result], _ = ingest.ingest(empty_lake, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)


def test_a_file_of_unknown_layout_is_refused_with_the_missing_columns(empty_lake, tmp_path):
    path = write_csv(tmp_path / "other.csv", ["1,2,3"], header="order,sku,amount")
    [result], _ = ingest.ingest(empty_lake, path)
    assert result.refused.startswith("other.csv: line 1: not a known layout")
    # the closest layout: the one naming most of the file's columns (`sku`)
    assert "Closest is marketplace_orders (transactions)" in result.refused
    assert "lacks the columns order-id, purchase-date, title" in result.refused
    assert "(the file has instead: order, amount)" in result.refused
    assert "uci_online_retail (InvoiceNo, StockCode" in result.refused  # every layout listed
    assert empty_lake.table(ingest.TRANSACTIONS).count() == 0
    [log] = empty_lake.table(ingest.LOAD_LOG).collect()
    assert (log.source_file, log.status, log.rows_read) == ("other.csv", "refused", 0)


def test_a_folder_loads_its_data_files_and_lists_the_rest(empty_lake, tmp_path):
    generate.write(tmp_path / "in" / "a.parquet", 1_000, seed=1, progress=False)
    generate.write(tmp_path / "in" / "sub" / "b.jsonl", 1_000, seed=2, progress=False)
    (tmp_path / "in" / "README.txt").write_text("notes")
    results, skipped = ingest.ingest(empty_lake, tmp_path / "in")
    assert [r.source_file for r in results] == ["a.parquet", "b.jsonl"]
    assert [p.name for p in skipped] == ["README.txt"]
    assert sum(r.rows_loaded + r.rows_duplicate for r in results) == 2_000


def test_missing_path_and_non_data_file_are_clear_errors(spark, tmp_path):
    with pytest.raises(ingest.IngestError, match="no such file"):
        ingest.discover(tmp_path / "nope")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(ingest.IngestError, match="not a data file"):
        ingest.discover(tmp_path / "x.txt")


def test_inventory_feeds_load_with_their_own_rejects_and_units(empty_lake, tmp_path):
    header = "snapshot_date,location_id,stock_code,on_hand_qty,unit_cost"
    first = write_csv(
        tmp_path / "snap1.csv",
        ["2011-12-05,LDN-01,85123A,40,1.20", "2011-12-05,LDN-01,22423,3,",
         "2011-12-05,UK-DC,85123A,x,1.20", "bad date,UK-DC,85123A,5,1.20"],
        header=header,
    )  # fmt: skip
    # the same day's snapshot of LDN-01 again (skipped whole), and a new location
    second = write_csv(
        tmp_path / "snap2.csv",
        ["2011-12-05,LDN-01,85123A,41,1.20", "2011-12-05,MAN-01,85123A,7,1.20"],
        header=header,
    )
    [a], _ = ingest.ingest(empty_lake, first)
    [b], _ = ingest.ingest(empty_lake, second)
    assert (a.dataset, a.rows_read, a.rows_loaded, a.rows_rejected) == (
        "inventory_snapshots", 4, 2, 2,
    )  # fmt: skip
    assert (b.rows_loaded, b.rows_duplicate) == (1, 1)
    reasons = {(r.dataset, r.reason) for r in empty_lake.table(ingest.REJECTS).collect()}
    assert reasons == {
        ("inventory_snapshots", "on-hand quantity missing or not a whole number"),
        ("inventory_snapshots", "snapshot date missing or not a date"),
    }
    rows = empty_lake.table("raw.inventory_snapshots").orderBy("location_id", "stock_code")
    assert [(r.location_id, r.stock_code, r.on_hand_qty, r.unit_cost) for r in rows.collect()] == [
        ("LDN-01", "22423", 3, None),
        ("LDN-01", "85123A", 40, Decimal("1.200")),
        ("MAN-01", "85123A", 7, Decimal("1.200")),
    ]

    receipts = write_csv(
        tmp_path / "rec.csv",
        ["2011-12-01,UK-DC,85123A,120", "2011-12-01,UK-DC,22423,-"],
        header="received_date,location_id,stock_code,qty",
    )
    [r], _ = ingest.ingest(empty_lake, receipts)
    assert (r.dataset, r.rows_loaded, r.rows_rejected) == ("stock_receipts", 1, 1)


MARKETPLACE_HEADER = (
    "order-id,purchase-date,sku,title,quantity,item-price,currency,marketplace-fee,"
    "ship-country,buyer-id"
)
TILL_HEADER = "receipt_no,store,timestamp,sku,qty,price,loyalty_card,void"


def test_channel_exports_load_as_their_channel_with_ids_of_their_own(empty_lake, tmp_path):
    from dataclasses import replace

    from retail_analytics import lake, schemas

    # a lake made before the raw table had a currency and a store: ingest adds them
    old = replace(schemas.TRANSACTIONS, columns=schemas.TRANSACTIONS.columns[:-2])
    empty_lake.sql("create database if not exists raw")
    empty_lake.sql(lake.dataset_ddl(old))
    marketplace = write_csv(
        tmp_path / "orders.csv",
        [
            "205-1234567-7654321,2011-03-04T10:15:00+00:00,22423,CAKESTAND,2,10.50,EUR,3.15,FR,A1B2C3",
            "205-1234567-7654321,2011-03-04T10:15:00+00:00,22424,TEAPOT,1,4.00,EUR,0.60,FR,A1B2C3",
            "205-7654321-1234567,2011-03-05T09:00:00+00:00,22423,CAKESTAND,1,1000,JPY,150,JP,Z9",
            "205-0000001-0000001,2030-03-05T09:00:00+00:00,22423,CAKESTAND,1,9.00,EUR,1.35,DE,Z8",
        ],
        MARKETPLACE_HEADER,
    )
    till = write_csv(
        tmp_path / "till.csv",
        [
            "000123,DUB-01,2011-03-04 12:00:00,22423,1,12.00,,N",
            "000123,DUB-01,2011-03-04 12:00:00,22424,1,5.00,,Y",
            "000123,LDN-01,2011-03-04 12:01:00,22423,2,9.95,17850,N",
            "000124,XYZ-9,2011-03-04 12:02:00,22423,1,9.95,,N",
        ],
        TILL_HEADER,
    )
    (orders,), _ = ingest.ingest(empty_lake, marketplace)
    (tills,), _ = ingest.ingest(empty_lake, till)

    # the currency without a rate and the sale dated past any rate are rejected, with reasons
    assert (orders.rows_loaded, orders.rows_rejected) == (2, 2), orders.summary()
    assert (tills.rows_loaded, tills.rows_rejected) == (2, 2), tills.summary()
    reasons = sorted(r.reason for r in empty_lake.table(ingest.REJECTS).collect())
    assert [r.split(" (")[0].split(":")[0] for r in reasons] == [
        "currency with no rate for the invoice's year",
        "invoice date in the future",
        "store not in the locations seed",
        "voided at the till",
    ], reasons
    columns = empty_lake.table(ingest.TRANSACTIONS).columns
    assert columns.index("currency") == columns.index("sales_channel") + 1
    assert columns.index("location_id") == columns.index("currency") + 1
    rows = {(r.invoice, r.stock_code): r for r in empty_lake.table(ingest.TRANSACTIONS).collect()}
    assert sorted(rows) == [
        ("M20512345677654321", "22423"),
        ("M20512345677654321", "22424"),
        ("SDUB01R000123", "22423"),
        ("SLDN01R000123", "22423"),  # a receipt number is its store's: two invoices
    ]
    sold = rows[("M20512345677654321", "22423")]
    assert (sold.sales_channel, sold.currency, sold.country) == ("marketplace", "EUR", "FR")
    assert (sold.customer_id, sold.quantity) == ("MKT-A1B2C3", 2)
    assert sold.unit_price == Decimal("10.500")  # in euros: staging converts
    assert str(sold.invoiced_at) == "2011-03-04 10:15:00"
    dublin, london = rows[("SDUB01R000123", "22423")], rows[("SLDN01R000123", "22423")]
    assert (dublin.sales_channel, dublin.location_id, dublin.customer_id) == (
        "retail store",
        "DUB-01",
        None,
    )
    assert (london.location_id, london.customer_id, london.description) == ("LDN-01", "17850", None)
