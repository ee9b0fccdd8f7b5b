"""The real UCI files in ../shared/data: the published figures, in either load order, and
the marts checked against figures computed with pandas.

The tests marked `heavy` build the whole project on the 1M lines (several minutes): `make
test-real` runs them (so does `make bench`); `make test` runs the staging check only."""

from __future__ import annotations

import pandas as pd
import pytest

from retail_analytics import ingest, pipeline

from .conftest import LAKE_SCHEMAS
from .expected import (
    figures,
    mart_figures,
    mart_figures_from_marts,
    read_text_csv,
    staging_figures,
)

pytestmark = pytest.mark.slow

PARQUET = "online_retail_ii_2009_2010.parquet"
CSV = "online_retail_2010_2011.csv.gz"
OVERLAP_LINES = 22_523  # invoices of 2010-12-01..09, in both files line for line
KNOWN = {"lines": 1_044_847, "invoices": 53_628, "customers": 5_942, "countries": 43}


@pytest.fixture(scope="module")
def union(shared_data) -> pd.DataFrame:
    """The two files' union in pandas: all of one, the new invoices of the other."""
    ii = pd.read_parquet(shared_data / PARQUET).rename(
        columns={"Invoice": "invoice", "Price": "unit_price", "Customer ID": "customer_id"}
    )
    ii["unit_price"] = ii.unit_price.map(repr)
    ii["customer_id"] = ii.customer_id.map(lambda v: None if pd.isna(v) else f"{v:.0f}")
    one = read_text_csv(shared_data / CSV).rename(
        columns={"InvoiceNo": "invoice", "UnitPrice": "unit_price", "CustomerID": "customer_id"}
    )
    one = one[~one.invoice.isin(set(ii.invoice))]
    return pd.concat([ii, one], ignore_index=True).rename(
        columns={
            "StockCode": "stock_code",
            "Description": "description",
            "Quantity": "quantity",
            "Country": "country",
        }
    )


@pytest.fixture(scope="module")
def expected(union):
    return figures(union)


def load(spark, shared_data, order) -> list[ingest.LoadResult]:
    results = [ingest.ingest(spark, shared_data / name)[0][0] for name in order]
    assert [r.rows_rejected for r in results] == [0, 0]
    assert [r.rows_duplicate for r in results] == [0, OVERLAP_LINES]
    assert sum(r.rows_read for r in results) == KNOWN["lines"] + OVERLAP_LINES
    return results


@pytest.fixture(scope="module")
def real_lake(spark, shared_data):
    """The real data loaded CSV first, and the whole project built and tested on it."""
    for schema in LAKE_SCHEMAS:
        spark.sql(f"drop database if exists {schema} cascade")
    load(spark, shared_data, (CSV, PARQUET))
    pipeline.dbt(["build"])
    return spark


def test_pandas_union_has_the_published_figures(expected):
    assert {k: expected[k] for k in KNOWN} == KNOWN


def test_staging_figures_parquet_first(empty_lake, shared_data, expected):
    load(empty_lake, shared_data, (PARQUET, CSV))
    pipeline.dbt(
        [
            "build",
            "--select",
            "+stg_online_retail__invoice_lines",
            "--indirect-selection",
            "cautious",
        ]
    )
    got = staging_figures(empty_lake)
    assert {k: got[k] for k in KNOWN} == KNOWN
    assert got == expected


@pytest.mark.heavy
def test_staging_figures_csv_first(real_lake, expected):
    got = staging_figures(real_lake)
    assert {k: got[k] for k in KNOWN} == KNOWN
    assert got == expected


@pytest.mark.heavy
def test_marts_agree_with_pandas(real_lake, union):
    assert mart_figures_from_marts(real_lake) == mart_figures(union)
