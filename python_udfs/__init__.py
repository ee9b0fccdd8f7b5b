"""Python functions that Spark SQL models call, registered on the session by `register_all`.

Each module holds pure functions (importable and testable without Spark) plus the thin
Spark wrapper that registers them. `retail_analytics.spark.get_spark` calls `register_all`,
so the functions are there for the CLI, for plain `dbt` (through the plugin) and for the
Thrift Server alike.
"""

from __future__ import annotations

from collections.abc import Callable


def _register_product_udfs(spark) -> list[str]:
    """`spark_udfs.register`, imported on first use so `import python_udfs` stays light."""
    from python_udfs import spark_udfs

    return spark_udfs.register(spark)


# Each entry registers some functions on a SparkSession and returns their SQL names.
REGISTRARS: list[Callable[[object], list[str]]] = [_register_product_udfs]


def register_all(spark) -> list[str]:
    """Register every project UDF on `spark`; return the SQL names registered."""
    names: list[str] = []
    for registrar in REGISTRARS:
        names.extend(registrar(spark))
    return names
