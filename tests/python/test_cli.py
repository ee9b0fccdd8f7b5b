"""The commands as a user types them, each in its own process (and JVM)."""

from __future__ import annotations

import re

import pytest

from .helpers import BIN, lake_env, run

pytestmark = pytest.mark.slow
# tests whose parents are all selected: the cross-mart reconciliation needs every mart
BUILDABLE = ("--indirect-selection", "buildable")


@pytest.fixture
def own_lake(tmp_path) -> dict[str, str]:
    """Environment for a process with a warehouse of its own."""
    return lake_env(tmp_path)


def test_bare_dbt_builds_and_shows_on_the_embedded_default(own_lake, tmp_path):
    data = tmp_path / "t.parquet"
    gen = run([BIN / "retail", "generate", "--lines", "3000", "-o", data, "-q"], own_lake)
    assert gen.returncode == 0, gen.stderr
    assert "wrote 3,000 lines" in gen.stdout

    load = run([BIN / "retail", "ingest", data], own_lake)
    assert load.returncode == 0, load.stderr
    assert "t.parquet: read 3,000, loaded 3,000, rejected 0, skipped duplicates 0" in load.stdout

    # the product dimension and its parents: the seeds, staging, and the models that call
    # the classifier UDFs, which bare dbt only has if its own Spark session registered them
    build = run([BIN / "dbt", "build", "--select", "+dim_products", *BUILDABLE], own_lake)
    assert build.returncode == 0, build.stdout[-3000:]
    assert "ERROR=0" in build.stdout and "PASS=0" not in build.stdout

    show = run(
        [
            BIN / "dbt",
            "show",
            "--inline",
            "select count(*) as n, (select count(distinct category) from "
            "marts_audit.dim_products where category != 'Other') as classified "
            "from staging.stg_online_retail__invoice_lines",
        ],
        own_lake,
    )
    assert show.returncode == 0, show.stdout[-3000:]
    counted = re.search(r"\|\s*(\d+)\s*\|\s*(\d+)\s*\|", show.stdout.replace(",", ""))
    assert counted, show.stdout[-3000:]
    assert int(counted[1]) == 3000
    assert int(counted[2]) >= 5  # the classifier UDFs ran inside bare dbt's session


def test_a_locked_metastore_gets_a_clear_message(spark, lake_dir, own_lake, tmp_path):
    # this test session's JVM holds the Derby metastore in lake_dir
    env = dict(own_lake, RETAIL_METASTORE_DIR=str(lake_dir / "metastore_db"))
    data = tmp_path / "t.csv"
    data.write_text("invoice\n1\n")
    result = run([BIN / "retail", "ingest", data], env)
    assert result.returncode == 1
    assert "is in use by another process" in result.stderr
    assert "--target thrift" in result.stderr


def test_a_bad_file_gets_a_message_not_a_stack_trace(own_lake, tmp_path):
    data = tmp_path / "orders.csv"
    data.write_text("order,sku,amount\n1,2,3\n")
    result = run([BIN / "retail", "ingest", data], own_lake)
    assert result.returncode == 1
    assert "error: orders.csv: line 1: not a known layout" in result.stderr
    assert "lacks the columns invoice, stock_code" in result.stderr
    assert "uci_online_retail (InvoiceNo, StockCode" in result.stderr
    assert "Traceback" not in result.stderr and "at org.apache" not in result.stderr
