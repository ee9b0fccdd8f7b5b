"""`retail serve`: a Thrift Server in its own process that PyHive and `dbt --target thrift` use."""

from __future__ import annotations

import signal
import socket

import pytest

from .helpers import BIN, ServeProcess, add_user, free_port, hive_query, lake_env, run

LINES = 3000
START_TIMEOUT = 180  # seconds for the JVM, the metastore and the server to come up
pytestmark = pytest.mark.slow


WRITER = ("pytest_dbt", "pytest-writer-1")


def query(port: int, sql: str) -> list[tuple]:
    return hive_query(port, WRITER, sql)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`retail serve` on a free port over a lake with LINES generated lines in raw."""
    folder = tmp_path_factory.mktemp("served_lake")
    env = dict(lake_env(folder), RETAIL_USERS_FILE=str(folder / "users"))
    add_user(env, *WRITER[:1], "dbt", WRITER[1])
    data = folder / "t.parquet"
    gen = run([BIN / "retail", "generate", "--lines", LINES, "-o", data, "-q"], env)
    assert gen.returncode == 0, gen.stderr
    load = run([BIN / "retail", "ingest", data], env)  # before the server: Derby admits one JVM
    assert load.returncode == 0, load.stderr

    served = ServeProcess(env, folder, WRITER)
    try:
        served.wait_ready(START_TIMEOUT)
        yield served
    finally:
        served.terminate()


def test_clients_list_and_query_the_lake(server):
    schemas = {row[0] for row in query(server.port, "show databases")}
    assert {"default", "raw"} <= schemas
    tables = {row[1] for row in query(server.port, "show tables in raw")}
    assert "transactions" in tables
    assert query(server.port, "select count(*) from raw.transactions") == [(LINES,)]
    out = server.out.read_text()
    assert f"ready: jdbc:hive2://127.0.0.1:{server.port}/marts" in out


def test_the_project_udfs_are_callable_over_the_wire(server):
    names = {row[0] for row in query(server.port, "show user functions")}
    # names may be qualified (spark_catalog.default.x) or plain
    names = {name.rsplit(".", 1)[-1] for name in names}
    if not names:
        pytest.skip("python_udfs.register_all registers no functions yet: nothing to call")
    assert f"Python UDFs: {', '.join(sorted(names))}" in server.out.read_text()
    name = "product_category" if "product_category" in names else sorted(names)[0]
    rows = query(
        server.port,
        f"select description, {name}(description) from raw.transactions "
        "where description is not null limit 5",
    )
    assert len(rows) == 5
    if name == "product_category":
        assert all(isinstance(category, str) and category for _, category in rows), rows


def test_dbt_builds_through_the_server(server):
    env = dict(
        server.env,
        SPARK_THRIFT_HOST="127.0.0.1",
        SPARK_THRIFT_PORT=str(server.port),
        SPARK_THRIFT_USER=WRITER[0],
        SPARK_THRIFT_PASSWORD=WRITER[1],
    )
    build = run(
        [
            BIN / "dbt",
            "build",
            "--target",
            "thrift",
            "-s",
            "+stg_online_retail__invoice_lines",
            "--indirect-selection",
            "cautious",
        ],
        env,
    )
    assert build.returncode == 0, build.stdout[-4000:]
    assert "ERROR=0" in build.stdout and "PASS=" in build.stdout
    # dbt built the model in the server's warehouse: clients see it at once
    staged = query(
        server.port,
        "select count(*), count(distinct invoice_id) from staging.stg_online_retail__invoice_lines",
    )
    raw = query(server.port, "select count(*), count(distinct invoice) from raw.transactions")
    assert staged == raw
    assert staged[0][0] == LINES


def test_a_second_server_on_the_same_metastore_gets_a_message(server):
    # Derby admits one JVM: the running server holds the metastore
    result = run([BIN / "retail", "serve", "--port", free_port()], server.env, timeout=180)
    assert result.returncode == 1, result.stdout
    assert "is in use by another process" in result.stderr
    assert "Traceback" not in result.stderr
    assert query(server.port, "select 1") == [(1,)]  # the first one is unharmed


def test_sigterm_stops_the_server_cleanly(server):
    # last in the file: the module's server is gone after it
    assert server.terminate() == 0, server.output()
    assert "Thrift Server stopped" in server.out.read_text()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()


def test_ctrl_c_stops_the_server_cleanly(tmp_path):
    # SIGINT, as Ctrl-C sends it, on a server over an empty lake of its own
    # without authentication (loopback only, as --no-auth allows), over an empty lake
    served = ServeProcess(lake_env(tmp_path), tmp_path, ("anyone", "x"), "--no-auth")
    try:
        served.wait_ready(START_TIMEOUT)
        assert served.terminate(signal.SIGINT) == 0, served.output()
        assert "Thrift Server stopped" in served.out.read_text()
        assert "Traceback" not in served.err.read_text()
    finally:
        served.terminate(signal.SIGKILL)


def test_a_remote_address_needs_allow_remote(tmp_path):
    env = dict(lake_env(tmp_path), RETAIL_USERS_FILE=str(tmp_path / "users"))
    add_user(env, *WRITER[:1], "dbt", WRITER[1])
    result = run([BIN / "retail", "serve", "--host", "0.0.0.0"], env, timeout=60)
    assert result.returncode == 1
    assert "refusing to listen on 0.0.0.0" in result.stderr
    assert "--allow-remote" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_taken_port_gets_a_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            [BIN / "retail", "serve", "--port", port, "--no-auth"], lake_env(tmp_path), timeout=60
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
