"""Shared fixtures: one JVM for the whole suite, on a warehouse in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
LAKE_SCHEMAS = ("raw", "reference", "staging", "intermediate", "marts_audit", "marts", "publish")


@pytest.fixture(scope="session")
def lake_dir(tmp_path_factory) -> Path:
    """The temporary project state: warehouse, metastore, dbt target and logs.

    `RETAIL_TEST_LAKE=folder` reuses a folder an earlier run left (to rerun one test on the
    lake a slow fixture built there)."""
    if os.environ.get("RETAIL_TEST_LAKE"):
        return Path(os.environ["RETAIL_TEST_LAKE"])
    return tmp_path_factory.mktemp("lake")


@pytest.fixture(scope="session")
def spark(lake_dir):
    """The suite's SparkSession, built the way every entry point builds it."""
    os.environ.update(
        RETAIL_WAREHOUSE_DIR=str(lake_dir / "spark-warehouse"),
        RETAIL_METASTORE_DIR=str(lake_dir / "metastore_db"),
        RETAIL_SPARK_UI="false",
        RETAIL_SHUFFLE_PARTITIONS="4",
        DBT_TARGET_PATH=str(lake_dir / "target"),
        DBT_LOG_PATH=str(lake_dir / "logs"),
        RETAIL_DATA_DIR=str(lake_dir / "data"),
    )
    from retail_analytics.spark import get_spark

    session = get_spark()
    yield session
    session.stop()


@pytest.fixture
def empty_lake(spark):
    """The session with the raw lake and every dbt schema dropped."""
    for schema in LAKE_SCHEMAS:
        spark.sql(f"drop database if exists {schema} cascade")
    return spark


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real UCI files in ../shared/data; the test is skipped when they are absent."""
    files = [
        SHARED_DATA / "online_retail_ii_2009_2010.parquet",
        SHARED_DATA / "online_retail_2010_2011.csv.gz",
    ]
    missing = [f.name for f in files if not f.exists()]
    if missing:
        pytest.skip(f"real data not found in {SHARED_DATA} (missing {', '.join(missing)})")
    return SHARED_DATA


# Modules that read the lake the main job builds (test_pipeline's first test) run last, in
# this order, so no other module's `empty_lake` drops it before the report reads its marts.
ON_THE_MAIN_JOB_LAKE = ("test_pipeline.py", "test_report.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def position(item: pytest.Item) -> int:
        name = item.path.name
        return ON_THE_MAIN_JOB_LAKE.index(name) if name in ON_THE_MAIN_JOB_LAKE else -1

    items.sort(key=position)  # stable: every other test keeps its place
