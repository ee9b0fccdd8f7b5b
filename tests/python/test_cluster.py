"""The `cluster` target on a real Spark standalone cluster (a master and one worker) gives the
same marts as the embedded `local` target."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyspark
import pytest

from retail_analytics import generate, pipeline

from .helpers import BIN, free_port, lake_env, run

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

SPARK_HOME = Path(pyspark.__file__).parent
LINES = 3000
MARTS = ("fct_country_revenue_monthly", "fct_country_summary", "fct_customer_rfm")
# seeds and models only: the comparison is the test here, and dbt's data tests on 3,000
# lines would double the time (they run in test_cli and test_pipeline)
SELECTION = [
    "-s",
    *(f"+{m}" for m in MARTS),
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
]
START_TIMEOUT = 120


class Daemon:
    """A Spark master or worker in its own process group, its output in a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.log = folder / f"{name}.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [str(SPARK_HOME / "bin" / "spark-class"), *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the worker's executors and Python workers with it
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL if it lingers."""
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


class Cluster:
    """A standalone master and one worker (1 core, 1 GB) on 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port, self.ui_port, worker_ui = free_port(), free_port(), free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            SPARK_HOME=str(SPARK_HOME),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_DAEMON_MEMORY="512m",
            SPARK_LOG_DIR=str(folder / "logs"),
            SPARK_NO_DAEMONIZE="1",
        )
        self.master = Daemon(
            "master",
            [
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--webui-port",
                str(self.ui_port),
            ],
            env,
            folder,
        )
        self.worker = Daemon(
            "worker",
            [
                "org.apache.spark.deploy.worker.Worker",
                self.url,
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                "1g",
                "--webui-port",
                str(worker_ui),
                "--work-dir",
                str(folder / "work"),
            ],
            env,
            folder,
        )

    def state(self) -> dict:
        """The master's status page as JSON."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as r:
            return json.load(r)

    def wait_ready(self, timeout: float) -> None:
        """Return once the worker has registered with the master."""
        deadline = time.monotonic() + timeout
        while True:
            for daemon in (self.master, self.worker):
                if not daemon.alive():
                    pytest.fail(f"the {daemon.name} exited:\n{daemon.log.read_text()[-3000:]}")
            try:
                if self.state().get("aliveworkers", 0) >= 1:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no worker registered within {timeout}s:\n"
                    f"{self.master.log.read_text()[-2000:]}\n{self.worker.log.read_text()[-2000:]}"
                )
            time.sleep(1)

    def stop(self) -> None:
        self.worker.stop()
        self.master.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    running = Cluster(tmp_path_factory.mktemp("spark_cluster"))
    try:
        running.wait_ready(START_TIMEOUT)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cluster_data") / "t.parquet"
    return generate.write(path, LINES, seed=11, progress=False)


def normalised(rows) -> list[tuple]:
    """Rows as sortable tuples, doubles rounded (their sums may differ in the last bits)."""

    def value(v):
        if isinstance(v, float):
            return round(v, 9)
        if isinstance(v, Decimal):
            return v.normalize()
        return v

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def test_the_cluster_target_builds_the_same_marts_as_local(cluster, data, empty_lake, tmp_path):
    folder = tmp_path / "cluster_lake"
    env = dict(lake_env(folder), RETAIL_SHUFFLE_PARTITIONS="4", SPARK_MASTER_URL=cluster.url)
    load = run([BIN / "retail", "ingest", data], env)
    assert load.returncode == 0, load.stderr[-3000:]
    assert f"read {LINES:,}, loaded {LINES:,}, rejected 0" in load.stdout
    build = run([BIN / "dbt", "build", "--target", "cluster", *SELECTION], env)
    assert build.returncode == 0, build.stdout[-4000:]
    assert "ERROR=0" in build.stdout and "PASS=0" not in build.stdout

    # both ran as applications of the standalone master, on its worker's executor
    apps = [a for a in cluster.state()["completedapps"] if a["name"] == "retail-analytics"]
    assert len(apps) == 2, apps
    assert list((cluster.folder / "work").glob("app-*/0/stderr")), "no executor ran"

    # the same file, built by the embedded session of this test run (another warehouse)
    pipeline.ingest_paths([data])
    pipeline.dbt(["build", *SELECTION])

    # no tests ran, so nothing was published: compare the audited tables
    warehouse = folder / "spark-warehouse" / "marts_audit.db"
    for mart in MARTS:
        local = empty_lake.table(f"marts_audit.{mart}")
        # read the cluster's Delta tables by path: its Derby metastore belongs to its own JVM
        built = empty_lake.read.format("delta").load(str(warehouse / mart))
        built = built.select(*local.columns)
        local_rows, cluster_rows = normalised(local.collect()), normalised(built.collect())
        assert len(local_rows) > 0, mart
        assert cluster_rows == local_rows, mart
