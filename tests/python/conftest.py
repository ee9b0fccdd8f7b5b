"""Shared fixtures: one JVM for the whole suite, on a warehouse in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
LAKE_SCHEMAS = (
    "raw",
    "reference",
    "staging",
    "intermediate",
    "marts_audit",
    "marts",
    "publish",
    "ml",
)


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


# Modules that read the lake the main job builds (test_pipeline's first test): one group, run
# in this order, so no other module's `empty_lake` drops that lake before the report reads it.
MAIN_JOB = ("test_pipeline.py", "test_report.py")
# The slowest modules first (seconds of `pytest --durations`, BENCHMARKS.md). With workers
# (`TEST_WORKERS=N make test`, pytest-xdist) each module is one unit of work (the two
# main-job modules one together), handed out in this order, so the long ones start at once
# and the short ones fill in behind them. Each worker has a JVM and a lake of its own.
SLOWEST_FIRST = (
    *MAIN_JOB,
    "test_ingest_corpus.py",
    "test_serve.py",
    "test_publish_serving.py",
    "test_incremental.py",
    "test_ingest_atomic.py",
    "test_cluster.py",
    "test_cli.py",
    "test_real_data.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def position(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=position)  # stable: tests keep their order within a module


@pytest.hookimpl(optionalhook=True)  # a hook of xdist's, not pytest's
def pytest_xdist_make_scheduler(config, log):
    """With `-n N`: one module per unit of work, the main job's two modules as one, in the
    collection order above. (xdist's `--dist loadgroup` cannot group modules with pytest 9:
    it renames node ids through an attribute pytest 9 no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return MAIN_JOB[0] if Path(module).name in MAIN_JOB else module

    config.option.loadscopereorder = False  # keep the slowest-first order
    return ByModule(config, log)
