"""Write-audit-publish as BI sees it, through the Thrift Server: readers during a rebuild, and
builds killed (SIGKILL) during a model, during the tests and during the publish step."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from .conftest import REPO
from .helpers import BIN, ServeProcess, add_user, hive_connect, hive_query, lake_env, run

LINES = 2000
START_TIMEOUT = 300
BUILD_TIMEOUT = 1200
MART = "dim_customers"
READ_MARTS = ("dim_customers", "fct_country_summary")
# Unit tests check model logic on fixed rows (test_pipeline's build runs them all); what is
# tested here is publishing, so the builds here run the data tests only.
NO_UNIT_TESTS = ("--exclude-resource-type", "unit_test")
# the lake's first build: every mart the cross-mart revenue reconciliation reads (the read
# marts among them), their parents and every data test of theirs; the stock and forecast
# marts are left out
BUILD = (
    "build",
    "--select",
    "+assert_mart_net_revenue_reconciles_to_staging",
    "--indirect-selection",
    "buildable",
    *NO_UNIT_TESTS,
)
# the rebuild under readers: a full build, every model, seed and data test
# --full-refresh: the raw edit it follows is made in place, not loaded, and an incremental
# build reads new loads only (macros/incremental_months.sql)
REBUILD = ("build", *NO_UNIT_TESTS, "--full-refresh")
WRITER = ("wap_dbt", "wap-writer-1")  # the `dbt` role: builds, and the raw edits below
READER = ("wap_bi", "wap-reader-1")  # the `bi` role: reads the published marts only
pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def query(port: int, sql: str, login: tuple[str, str] = WRITER) -> list[tuple]:
    return hive_query(port, login, sql)


def checksum_sql(relation: str) -> str:
    return f"select count(*), coalesce(sum(cast(hash(*) as decimal(38, 0))), 0) from {relation}"


def published(port: int) -> dict[str, tuple[int, str]]:
    """mart -> (audited version its view pins, checksum of the view's rows), from the log."""
    pins = query(
        port,
        "select mart, source_version from (select m.mart, m.source_version, row_number() "
        "over (partition by m.mart order by p.published_at desc) as recency "
        "from publish.published_marts as m "
        "inner join publish.publications as p on m.publication_id = p.publication_id) "
        "where recency = 1",
    )
    return {
        mart: (int(version), str(query(port, checksum_sql(f"marts.{mart}"))[0]))
        for mart, version in pins
    }


def unfinished(port: int) -> int:
    return query(
        port,
        "select count(*) from publish.published_marts as m left anti join "
        "publish.publications as p on m.publication_id = p.publication_id",
    )[0][0]


class Lake:
    """A lake of its own with `retail serve` over it; dbt reaches it with `--target thrift`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = dict(lake_env(folder), RETAIL_USERS_FILE=str(folder / "users"))
        add_user(self.env, WRITER[0], "dbt", WRITER[1])
        add_user(self.env, READER[0], "bi", READER[1])
        self.server: ServeProcess | None = None
        self.port = 0

    def serve(self) -> None:
        self.server = ServeProcess(self.env, self.folder, WRITER)
        self.port = self.server.port
        self.env.update(
            SPARK_THRIFT_HOST="127.0.0.1",
            SPARK_THRIFT_PORT=str(self.port),
            SPARK_THRIFT_USER=WRITER[0],
            SPARK_THRIFT_PASSWORD=WRITER[1],
            PYTHONUNBUFFERED="1",
        )
        self.server.wait_ready(START_TIMEOUT)

    def dbt(self, *args: str) -> subprocess.CompletedProcess:
        return run([BIN / "dbt", *args, "--target", "thrift"], self.env, timeout=BUILD_TIMEOUT)

    def dbt_killed_at(self, marker: str, *args: str, nth: int = 1) -> str:
        """Start a dbt command, SIGKILL it at the `nth` output line holding `marker`."""
        proc = subprocess.Popen(
            [str(BIN / "dbt"), *args, "--target", "thrift"],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        seen, lines = 0, []
        deadline = time.monotonic() + BUILD_TIMEOUT
        for line in proc.stdout:
            lines.append(line)
            if marker in line:
                seen += 1
                if seen == nth:
                    os.killpg(proc.pid, signal.SIGKILL)
                    break
            if time.monotonic() > deadline:
                break
        proc.kill()
        proc.wait(60)
        output = "".join(lines)
        assert seen == nth, f"never saw {marker!r} {nth} times:\n{output[-4000:]}"
        return output

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """LINES generated lines, loaded, served, built (BUILD) and published once."""
    folder = tmp_path_factory.mktemp("wap_lake")
    served = Lake(folder)
    data = folder / "t.csv"
    assert run([BIN / "retail", "generate", "--lines", LINES, "-o", data, "-q"], served.env)
    load = run([BIN / "retail", "ingest", data], served.env)  # before the server: one JVM
    assert load.returncode == 0, load.stderr
    served.serve()
    try:
        build = served.dbt(*BUILD)
        assert build.returncode == 0, build.stdout[-4000:]
        assert "publish: published" in build.stdout
        yield served
    finally:
        served.stop()


def test_readers_see_only_whole_tested_versions_during_a_rebuild(lake):
    before = published(lake.port)
    assert set(READ_MARTS) <= set(before)
    # a customer moves country, so both read marts change (the customer's country; revenue
    # moves between countries)
    customer, country = query(
        lake.port,
        "select customer_id, country from raw.transactions "
        "where customer_id is not null order by customer_id limit 1",
    )[0]
    moved = "Germany" if country != "Germany" else "France"
    query(
        lake.port,
        f"update raw.transactions set country = '{moved}' where customer_id = '{customer}'",
    )
    seen: dict[str, set[str]] = {m: set() for m in READ_MARTS}
    errors: list[str] = []
    reads = 0
    stop = threading.Event()

    def read_loop() -> None:
        nonlocal reads
        conn = hive_connect(lake.port, *READER)  # as BI: the reader role
        try:
            while not stop.is_set():
                for mart in READ_MARTS:
                    try:
                        # closed after each read, as a BI tool does: the server keeps an
                        # open statement's plan and rows until then
                        with contextlib.closing(conn.cursor()) as cursor:
                            cursor.execute(checksum_sql(f"marts.{mart}"))
                            seen[mart].add(str(cursor.fetchall()[0]))
                        reads += 1
                    except Exception as exc:  # any failed read fails the test
                        errors.append(f"{mart}: {str(exc)[:300]}")
                time.sleep(0.2)
        finally:
            conn.close()

    readers = [threading.Thread(target=read_loop) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        build = lake.dbt(*REBUILD)
    finally:
        stop.set()
        for reader in readers:
            reader.join(120)
    assert build.returncode == 0, build.stdout[-4000:]
    after = published(lake.port)
    assert not errors, errors[:5]
    assert reads > 20
    assert set(after) > set(before)  # a full build: it published the marts BUILD left out
    for mart in READ_MARTS:
        assert after[mart][0] > before[mart][0]  # the rebuild published a new version...
        assert after[mart][1] != before[mart][1]  # ...of changed rows
        # ...and readers only ever saw the old whole version or the new whole version
        assert seen[mart] <= {before[mart][1], after[mart][1]}, (mart, seen[mart])
        assert after[mart][1] in seen[mart] or before[mart][1] in seen[mart]


def test_a_build_killed_at_any_step_leaves_the_published_marts_as_they_were(lake):
    select = ["build", "--select", f"+{MART}", *NO_UNIT_TESTS]
    before = published(lake.port)

    lake.dbt_killed_at("START sql ", *select, nth=2)  # the second model (table or incremental)
    assert published(lake.port) == before

    lake.dbt_killed_at("START test", *select, nth=3)
    assert published(lake.port) == before

    # killed right after the first view switch: before the publication is recorded
    output = lake.dbt_killed_at(f"publish: marts.{MART} ->", *select)
    assert "publish: publishing" in output
    during = published(lake.port)
    assert unfinished(lake.port) == 1
    for mart, (version, rows) in during.items():
        assert rows == before[mart][1]  # queryable, and the same tested data
        assert version >= before[mart][0]

    # the next run finishes the interrupted publish, then builds and publishes its own
    build = lake.dbt(*select)
    assert build.returncode == 0, build.stdout[-4000:]
    assert "publish: finishing publication" in build.stdout
    assert "publish: published" in build.stdout
    assert unfinished(lake.port) == 0
    after = published(lake.port)
    assert after[MART][0] > before[MART][0] and after[MART][1] == before[MART][1]
