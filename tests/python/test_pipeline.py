"""The main job end to end on generated data: generate, ingest, dbt build, simulated stock,
inventory marts, docs; staging checked against pandas."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retail_analytics import generate, pipeline

from .expected import figures, read_text_csv, staging_figures

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate.write(
        tmp_path_factory.mktemp("demo") / "demo.csv.gz", 50_000, seed=21, progress=False
    )


def test_main_job_builds_every_layer_from_generated_data(empty_lake, demo, capsys):
    expected = figures(read_text_csv(demo))

    pipeline.run(demo, demo_lines=0, seed=21)
    out = capsys.readouterr().out

    assert "demo.csv.gz: read 50,000, loaded 50,000, rejected 0, skipped duplicates 0" in out
    assert "simulated_inventory_snapshots.csv: read" in out
    assert staging_figures(empty_lake) == expected
    channels = {
        r.sales_channel
        for r in empty_lake.sql(
            "select distinct sales_channel from staging.stg_online_retail__invoice_lines"
        ).collect()
    }
    assert channels == {"online store", "marketplace", "retail store"}
    # the simulation gives every kind of stock position, and the marts act on them
    statuses = {
        r.stock_status: r.n
        for r in empty_lake.sql(
            "select stock_status, count(*) as n from marts.fct_stock_position group by 1"
        ).collect()
    }
    assert set(statuses) == {"healthy", "surplus", "shortage", "dead_stock"}, statuses
    assert empty_lake.table("marts.fct_stock_transfer_suggestions").count() > 0
    assert empty_lake.table("marts.fct_promotion_candidates").count() > 0
    categories = empty_lake.sql(
        "select count(distinct category) as n from marts.dim_products"
    ).first()
    assert categories.n >= 10
    docs = Path(os.environ["DBT_TARGET_PATH"]) / "index.html"
    assert docs.exists()
    assert "built:" in out and "marts.fct_customer_rfm" in out


def test_running_the_main_job_again_loads_nothing_new(spark, demo, capsys):
    pipeline.ingest_paths([demo])
    assert "already loaded" in capsys.readouterr().out
    assert spark.table("raw.transactions").count() == 50_000
