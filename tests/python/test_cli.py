"""The commands as a user types them, each in its own process (and JVM)."""

from __future__ import annotations

import pytest

from .helpers import BIN, lake_env, run

pytestmark = pytest.mark.slow
# tests whose parents are all selected: the cross-mart reconciliation needs every mart
BUILDABLE = ("--indirect-selection", "buildable")


@pytest.fixture
def own_lake(tmp_path) -> dict[str, str]:
    """Environment for a process with a warehouse of its own."""
    return lake_env(tmp_path)


def test_bare_dbt_builds_on_the_embedded_default(own_lake, tmp_path, spark):
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

    # what it built, read by path (its Derby metastore belongs to its own, finished JVM)
    warehouse = tmp_path / "spark-warehouse"
    staged = spark.read.format("delta").load(
        str(warehouse / "staging.db" / "stg_online_retail__invoice_lines")
    )
    assert staged.count() == 3000
    products = spark.read.format("delta").load(str(warehouse / "marts_audit.db" / "dim_products"))
    classified = products.where("category != 'Other'").select("category").distinct().count()
    assert classified >= 5  # the classifier UDFs ran inside bare dbt's session


def test_a_locked_metastore_gets_a_clear_message(spark, lake_dir, own_lake, tmp_path):
    # this test session's JVM holds the Derby metastore in lake_dir
    env = dict(own_lake, RETAIL_METASTORE_DIR=str(lake_dir / "metastore_db"))
    data = tmp_path / "t.csv"
    data.write_text("invoice\n1\n")
    result = run([BIN / "retail", "ingest", data], env)
    assert result.returncode == 1
    assert "is in use by another process" in result.stderr
    assert "--target thrift" in result.stderr
