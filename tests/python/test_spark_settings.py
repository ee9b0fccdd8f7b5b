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


def test_retail_spark_conf_adds_and_overrides_settings_and_callers_win(monkeypatch):
    monkeypatch.setenv(
        "RETAIL_SPARK_CONF",
        "spark.sql.adaptive.enabled=false, spark.sql.shuffle.partitions=3 spark.app.name=mine",
    )
    settings = SparkSettings.from_env(extra={"spark.app.name": "retail-serve"})
    conf = settings.conf()
    assert conf["spark.sql.adaptive.enabled"] == "false"  # added
    assert conf["spark.sql.shuffle.partitions"] == "3"  # the project's own value replaced
    assert conf["spark.app.name"] == "retail-serve"  # what the caller passes wins


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("adaptive=false", "spark.<name>=<value>"),
        ("spark.sql.adaptive.enabled", "spark.<name>=<value>"),
        ("spark.master=", "spark.<name>=<value>"),
        ("spark.=x", "spark.<name>=<value>"),
        ("spark.files=a.txt,b.txt", "cannot hold commas"),  # b.txt reads as an item of its own
        ("spark.sql.extensions=com.example.Ext", "cannot be replaced"),
        ("spark.sql.catalog.spark_catalog=x", "cannot be replaced"),
        ("spark.jars=a.jar", "cannot be replaced"),
    ],
)
def test_a_malformed_or_forbidden_retail_spark_conf_is_a_clear_error(monkeypatch, text, says):
    monkeypatch.setenv("RETAIL_SPARK_CONF", text)
    with pytest.raises(spark_module.SparkConfError, match="RETAIL_SPARK_CONF") as error:
        SparkSettings.from_env()
    assert says in str(error.value)
