"""The one way to get a SparkSession for this project.

Every entry point (the `retail` CLI, the dbt plugin that plain `dbt` loads, the tests and the
benchmarks) calls :func:`get_spark`, so the warehouse, the metastore, the settings and the
registered UDFs are the same everywhere.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from retail_analytics.errors import RetailError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)


def find_project_dir() -> Path:
    """`RETAIL_PROJECT_DIR`, else the nearest folder up from here with a dbt_project.yml."""
    if "RETAIL_PROJECT_DIR" in os.environ:
        return Path(os.environ["RETAIL_PROJECT_DIR"]).resolve()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "dbt_project.yml").is_file():
                return folder
    return Path.cwd()


PROJECT_DIR = find_project_dir()
LOG4J_CONFIG = Path(__file__).with_name("log4j2.properties")
# The table format: Delta Lake. Its jars come from Maven (scripts/fetch_jars.sh, `make jars`).
DELTA_JARS = ("delta-spark_4.1_2.13-4.3.1.jar", "delta-storage-4.3.1.jar")
DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"


def jars_dir() -> Path:
    """Where the fetched jars are: `RETAIL_JARS_DIR`, else jars/ in the project."""
    return Path(os.environ.get("RETAIL_JARS_DIR", PROJECT_DIR / "jars")).resolve()


def fetched_jars(names: tuple[str, ...]) -> list[Path]:
    """`names` in the jars folder; a clear error naming those that were not fetched."""
    folder = jars_dir()
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise MissingJarsError(folder, missing)
    return [folder / name for name in names]


def delta_jars() -> list[Path]:
    """The Delta Lake jars Spark needs on its classpath."""
    return fetched_jars(DELTA_JARS)


HIVE_LLAP_JAR = "hive-llap-common-2.3.10.jar"  # fetched with the Delta jars (java/delta/pom.xml)


def hive_llap_jar() -> Path:
    """Hive's LLAP classes, which the Thrift Server needs to close a client session."""
    return fetched_jars((HIVE_LLAP_JAR,))[0]


class MissingJarsError(RetailError):
    """The Delta Lake jars (or the Thrift Server's Hive LLAP jar) have not been fetched."""

    def __init__(self, folder: Path, missing: list[str]) -> None:
        super().__init__(
            f"Jars are missing from {folder}: {', '.join(missing)}.\n"
            "  Fetch them with `make jars` (it needs Maven, `mvn`, and network access to "
            "Maven Central;\n  on Debian/Ubuntu: sudo apt-get install maven), or point "
            "RETAIL_JARS_DIR at a folder that has them."
        )


def lake_environment(folder: Path) -> dict[str, str]:
    """The variables that put a project state of its own under `folder`: warehouse,
    metastore, dbt's target and logs, data; no Spark UI. For benchmarks and tests that must
    never touch the project's own warehouse (`os.environ.update(...)` before the session)."""
    return {
        "RETAIL_WAREHOUSE_DIR": str(folder / "spark-warehouse"),
        "RETAIL_METASTORE_DIR": str(folder / "metastore_db"),
        "DBT_TARGET_PATH": str(folder / "target"),
        "DBT_LOG_PATH": str(folder / "logs"),
        "RETAIL_DATA_DIR": str(folder / "data"),
        "RETAIL_SPARK_UI": "false",
    }


# What makes every session a Delta Lake session and the Thrift Server's access control
# part of it: not for RETAIL_SPARK_CONF to replace (a replaced list would drop both).
OWN_SETTINGS = (
    "spark.sql.extensions",
    "spark.sql.catalog.spark_catalog",
    "spark.jars",
    "spark.driver.extraClassPath",
)


def parse_spark_conf(text: str) -> dict[str, str]:
    """`key=value` pairs separated by commas or white space (`RETAIL_SPARK_CONF`)."""
    pairs = {}
    for item in text.replace(",", " ").split():
        key, sep, value = item.partition("=")
        if not sep or not value or len(key) <= len("spark.") or not key.startswith("spark."):
            raise SparkConfError(
                f"{item!r} is not a Spark setting as spark.<name>=<value> (values cannot hold "
                "commas or spaces; e.g. RETAIL_SPARK_CONF='spark.sql.adaptive.enabled=false')"
            )
        if key in OWN_SETTINGS:
            raise SparkConfError(
                f"{key} is the project's own (Delta Lake, the Thrift Server's access "
                "control) and cannot be replaced"
            )
        pairs[key] = value
    return pairs


class SparkConfError(RetailError):
    """A `RETAIL_SPARK_CONF` item that is not `spark.<name>=<value>`, or not for it to set."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"RETAIL_SPARK_CONF: {problem}")


@dataclass(frozen=True)
class SparkSettings:
    """Where the embedded warehouse lives and how Spark is sized; read from the environment."""

    master: str = "local[*]"
    warehouse_dir: Path = PROJECT_DIR / "spark-warehouse"
    metastore_dir: Path = PROJECT_DIR / "metastore_db"
    shuffle_partitions: int = 8
    driver_memory: str = "4g"
    ui_enabled: bool = True
    extra: dict[str, str] = field(default_factory=dict)
    # session extensions besides Delta's (e.g. the Thrift Server's access control)
    extra_extensions: tuple[str, ...] = ()
    # jars besides Delta's on the driver's classpath (e.g. the Thrift Server's, see serve.py)
    extra_jars: tuple[Path, ...] = ()

    @classmethod
    def from_env(cls, extra: dict[str, str] | None = None) -> SparkSettings:
        """Settings from `SPARK_MASTER_URL`, `RETAIL_WAREHOUSE_DIR`, `RETAIL_METASTORE_DIR`, ..."""
        env = os.environ
        default = cls()
        return cls(
            master=env.get("SPARK_MASTER_URL", default.master),
            warehouse_dir=Path(env.get("RETAIL_WAREHOUSE_DIR", default.warehouse_dir)).resolve(),
            metastore_dir=Path(env.get("RETAIL_METASTORE_DIR", default.metastore_dir)).resolve(),
            shuffle_partitions=int(
                env.get("RETAIL_SHUFFLE_PARTITIONS", default.shuffle_partitions)
            ),
            driver_memory=env.get("RETAIL_DRIVER_MEMORY", default.driver_memory),
            ui_enabled=env.get("RETAIL_SPARK_UI", "true").lower() not in ("0", "false", "no"),
            extra={**parse_spark_conf(env.get("RETAIL_SPARK_CONF", "")), **(extra or {})},
        )

    @property
    def log_dir(self) -> Path:
        """Where Derby's log goes: `logs/` beside the metastore (dbt's log folder too)."""
        return self.metastore_dir.parent / "logs"

    def conf(self) -> dict[str, str]:
        """The Spark configuration these settings stand for."""
        java_opts = " ".join(
            [
                f"-Dderby.stream.error.file={self.log_dir / 'derby.log'}",
                f"-Dlog4j2.configurationFile=file:{LOG4J_CONFIG}",
            ]
        )
        extensions = [DELTA_EXTENSION, *self.extra_extensions]
        conf = {
            "spark.app.name": "retail-analytics",
            "spark.master": self.master,
            "spark.driver.memory": self.driver_memory,
            "spark.driver.extraJavaOptions": java_opts,
            "spark.sql.warehouse.dir": str(self.warehouse_dir),
            "spark.hadoop.javax.jdo.option.ConnectionURL": (
                f"jdbc:derby:;databaseName={self.metastore_dir};create=true"
            ),
            "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
            # Wall-clock times from the shop, read and written as they are.
            "spark.sql.session.timeZone": "UTC",
            # pandas writes nanosecond timestamps, which Spark reads only as longs.
            "spark.sql.legacy.parquet.nanosAsLong": "true",
            "spark.sql.sources.partitionOverwriteMode": "dynamic",
            "spark.ui.enabled": str(self.ui_enabled).lower(),
            "spark.ui.showConsoleProgress": "false",
            # Delta Lake: every table of the lake and of the models is a Delta table.
            "spark.jars": ",".join(str(p) for p in delta_jars()),
            **self.classpath_conf(),
            "spark.sql.extensions": ",".join(extensions),
            "spark.sql.catalog.spark_catalog": DELTA_CATALOG,
            # The lake's logs are short: one partition to rebuild a table's snapshot, not 50.
            "spark.databricks.delta.snapshotPartitions": "1",
            # Delta answers min/max/count from its file statistics with java.sql.Date values;
            # the Thrift Server's sessions use java.time dates, and such a query (`max` of a
            # date column) then fails with a ClassCastException. Read the data instead.
            "spark.databricks.delta.optimizeMetadataQuery.enabled": "false",
            # Delta keeps its schema in its log and stores a placeholder in the Hive
            # metastore; without this, Hive logs an error at every `create or replace`.
            "spark.hadoop.hive.metastore.disallow.incompatible.col.type.changes": "false",
        }
        conf.update(self.extra)
        return conf

    def classpath_conf(self) -> dict[str, str]:
        """`extra_jars` on the driver's own classpath: classes Hive loads by name need it."""
        if not self.extra_jars:
            return {}
        return {"spark.driver.extraClassPath": os.pathsep.join(str(p) for p in self.extra_jars)}


def get_spark(settings: SparkSettings | None = None) -> SparkSession:
    """Return the process's SparkSession, creating it (with the UDFs registered) if needed."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is not None:
        spark = SparkSession.builder.getOrCreate()
        register_udfs(spark)
        return spark

    settings = settings or SparkSettings.from_env()
    # Python workers must run this interpreter (the venv), not whatever python3 is on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    settings.log_dir.mkdir(parents=True, exist_ok=True)

    log.info("starting Spark (%s), warehouse %s", settings.master, settings.warehouse_dir)
    builder = SparkSession.builder
    for key, value in settings.conf().items():
        builder = builder.config(key, value)
    spark = builder.enableHiveSupport().getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # PySpark logs every failed query as JSON with the whole Java stack; the error itself
    # still reaches the caller (dbt shows its message), so the log only buries it.
    # (Created through PySparkLogger: PySpark calls it with keyword arguments of its own.)
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)
    check_metastore(spark, settings)
    register_udfs(spark)
    return spark


def check_metastore(spark, settings: SparkSettings) -> None:
    """Touch the metastore now, so a locked Derby database fails with a message, not a trace."""
    try:
        spark.sql("show databases").collect()
    except Exception as exc:  # py4j and pyspark errors carry the Java chain as text
        text = str(exc)
        if "XSDB6" in text or "Unable to instantiate" in text or "Failed to start database" in text:
            spark.stop()
            raise MetastoreLockedError(settings.metastore_dir) from None
        raise


class MetastoreLockedError(RetailError):
    """The embedded Derby metastore is open in another process."""

    def __init__(self, metastore_dir: Path) -> None:
        super().__init__(
            f"The embedded metastore {metastore_dir} is in use by another process "
            "(Derby allows one JVM at a time, error XSDB6).\n"
            "  - If `retail serve` is running, send dbt through it: "
            "`dbt build --target thrift`, and point other clients at its JDBC URL.\n"
            "  - Otherwise stop the other dbt / retail / pyspark process that uses this "
            "project, then retry."
        )


_registered_on: set[int] = set()


def register_udfs(spark) -> None:
    """Register the project's Python UDFs (from `python_udfs`) on the session, once."""
    import python_udfs

    key = id(spark.sparkContext)
    if key in _registered_on:
        return
    names = python_udfs.register_all(spark)
    _registered_on.add(key)
    log.info("registered UDFs: %s", ", ".join(names) or "none")
