"""The real UCI files in ../shared/data: the published figures, in either load order."""

from __future__ import annotations

import pandas as pd
import pytest

from retail_analytics import ingest, pipeline

from .expected import figures, read_text_csv, staging_figures

pytestmark = pytest.mark.slow

PARQUET = "online_retail_ii_2009_2010.parquet"
CSV = "online_retail_2010_2011.csv.gz"
OVERLAP_LINES = 22_523  # invoices of 2010-12-01..09, in both files line for line
KNOWN = {"lines": 1_044_847, "invoices": 53_628, "customers": 5_942, "countries": 43}


@pytest.fixture(scope="module")
def expected(shared_data):
    """The two files' union computed with pandas: all of one, the new invoices of the other."""
    ii = pd.read_parquet(shared_data / PARQUET).rename(
        columns={"Invoice": "invoice", "Price": "unit_price", "Customer ID": "customer_id"}
    )
    ii["unit_price"] = ii.unit_price.map(repr)
    ii["customer_id"] = ii.customer_id.map(lambda v: None if pd.isna(v) else f"{v:.0f}")
    one = read_text_csv(shared_data / CSV).rename(
        columns={"InvoiceNo": "invoice", "UnitPrice": "unit_price", "CustomerID": "customer_id"}
    )
    one = one[~one.invoice.isin(set(ii.invoice))]
    union = pd.concat([ii, one]).rename(
        columns={
            "StockCode": "stock_code",
            "Description": "description",
            "Quantity": "quantity",
            "Country": "country",
        }
    )
    return figures(union)


def test_pandas_union_has_the_published_figures(expected):
    assert {k: expected[k] for k in KNOWN} == KNOWN


@pytest.mark.parametrize("order", [(PARQUET, CSV), (CSV, PARQUET)])
def test_staging_gives_the_published_figures_in_either_load_order(
    empty_lake, shared_data, expected, order
):
    results = [ingest.ingest(empty_lake, shared_data / name)[0][0] for name in order]
    assert [r.rows_rejected for r in results] == [0, 0]
    assert [r.rows_duplicate for r in results] == [0, OVERLAP_LINES]
    assert sum(r.rows_read for r in results) == KNOWN["lines"] + OVERLAP_LINES

    pipeline.dbt(["build", "--select", "+stg_online_retail__invoice_lines"])

    got = staging_figures(empty_lake)
    assert {k: got[k] for k in KNOWN} == KNOWN
    assert got == expected
