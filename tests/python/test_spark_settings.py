"""The one SparkSession's configuration: Delta Lake everywhere, a clear error without its jars."""

from __future__ import annotations

import pytest

from retail_analytics import spark as spark_module
from retail_analytics.spark import MissingJarsError, SparkSettings


def test_every_session_gets_delta_lake_and_its_jars():
    conf = SparkSettings().conf()
    assert conf["spark.sql.extensions"].split(",")[0] == spark_module.DELTA_EXTENSION
    assert conf["spark.sql.catalog.spark_catalog"] == spark_module.DELTA_CATALOG
    jars = conf["spark.jars"].split(",")
    assert [j.rsplit("/", 1)[-1] for j in jars] == list(spark_module.DELTA_JARS)


def test_other_extensions_come_after_delta():
    conf = SparkSettings(extra_extensions=("com.example.Check",)).conf()
    assert conf["spark.sql.extensions"] == f"{spark_module.DELTA_EXTENSION},com.example.Check"


def test_missing_jars_say_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("RETAIL_JARS_DIR", str(tmp_path))
    with pytest.raises(MissingJarsError) as error:
        SparkSettings().conf()
    message = str(error.value)
    assert str(tmp_path) in message and "make jars" in message and "mvn" in message
    assert spark_module.DELTA_JARS[0] in message


def test_retail_spark_conf_adds_settings_and_code_settings_win(monkeypatch):
    monkeypatch.setenv("RETAIL_SPARK_CONF", "spark.sql.adaptive.enabled=false, spark.app.name=mine")
    settings = SparkSettings.from_env(extra={"spark.app.name": "retail-serve"})
    conf = settings.conf()
    assert conf["spark.sql.adaptive.enabled"] == "false"
    assert conf["spark.app.name"] == "retail-serve"  # what the caller passes wins
    assert conf["spark.sql.extensions"].startswith(spark_module.DELTA_EXTENSION)


@pytest.mark.parametrize("text", ["adaptive=false", "spark.sql.adaptive.enabled"])
def test_a_malformed_retail_spark_conf_is_a_clear_error(monkeypatch, text):
    monkeypatch.setenv("RETAIL_SPARK_CONF", text)
    with pytest.raises(spark_module.SparkConfError, match="RETAIL_SPARK_CONF"):
        SparkSettings.from_env()
