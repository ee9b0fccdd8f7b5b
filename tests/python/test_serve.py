"""`retail serve`: a Thrift Server in its own process that PyHive, SQLAlchemy, beeline and
`dbt --target thrift` use, safe to expose: log-in, roles, no code or file access, one session
each, clean stops.

One server for the module (a JVM start and a dbt build through it are minutes here), over a
small lake: raw (ingested), `marts_audit` tables published through views in `marts`
(write-audit-publish), a table in `marts` and a seed in `reference`. Each attack runs as a
reader and is checked on the file system or the catalog afterwards, not only on the error it
gets. The SIGTERM test is last: the module's server is gone after it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import REPO
from .helpers import (
    BIN,
    ServeProcess,
    add_user,
    free_port,
    hive_connect,
    hive_query,
    lake_env,
    run,
)

LINES = 2000
START_TIMEOUT = 240  # seconds for the JVM, the metastore and the server to come up
READER = ("ann", "reader-secret-1")
WRITER = ("builder", "writer-secret-1")
MARTS = ("fct_sales", "dim_countries")
pytestmark = pytest.mark.slow


def load_bench():
    """bench/serve_load.py as a module (the load test's driver, shared with the benchmark)."""
    spec = importlib.util.spec_from_file_location("serve_load", REPO / "bench" / "serve_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`retail serve` with authentication over a lake with raw, audited and published tables."""
    folder = tmp_path_factory.mktemp("secured_lake")
    env = dict(lake_env(folder), RETAIL_USERS_FILE=str(folder / "users"))
    add_user(env, READER[0], "bi", READER[1])
    add_user(env, WRITER[0], "dbt", WRITER[1])
    data = folder / "t.parquet"
    gen = run([BIN / "retail", "generate", "--lines", LINES, "-o", data, "-q"], env)
    assert gen.returncode == 0, gen.stderr
    load = run([BIN / "retail", "ingest", data], env)  # before the server: Derby admits one JVM
    assert load.returncode == 0, load.stderr

    served = ServeProcess(env, folder, WRITER)
    served.folder = folder
    try:
        served.wait_ready(START_TIMEOUT)
        for sql in (
            "create database if not exists marts_audit",
            "create database if not exists marts",
            "create database if not exists reference",
            "create table marts_audit.fct_sales using delta as "
            "select invoice, stock_code, description, quantity from raw.transactions",
            "insert into marts_audit.fct_sales select 'X1', 'X', 'NOT PUBLISHED', 1",
            # published: the audited version 0, as write-audit-publish will do it
            "create view marts.fct_sales as select * from marts_audit.fct_sales version as of 0",
            "create table marts.dim_countries using delta as "
            "select distinct country from raw.transactions",
            "create table reference.demo_stock_codes using delta as select 'POST' as stock_code",
        ):
            served.query(sql)
        yield served
    finally:
        served.terminate()


def refused(server: ServeProcess, sql: str, login=READER) -> str:
    """The error message `sql` gets; fails the test when it runs."""
    with pytest.raises(Exception) as caught:
        server.query(sql, login)
    message = str(caught.value)
    assert "refused" in message or "not found" in message.lower() or "cannot" in message, message
    return message


def row_count(server: ServeProcess, table: str) -> int:
    return server.query(f"select count(*) from {table}")[0][0]


# --- clients list and query the lake, the project's UDFs over the wire ----------------------


def test_clients_list_and_query_the_lake(server):
    schemas = {row[0] for row in server.query("show databases")}
    assert {"default", "raw"} <= schemas
    tables = {row[1] for row in server.query("show tables in raw")}
    assert "transactions" in tables
    assert server.query("select count(*) from raw.transactions") == [(LINES,)]
    assert f"ready: jdbc:hive2://127.0.0.1:{server.port}/marts" in server.out.read_text()


def test_the_project_udfs_are_callable_over_the_wire(server):
    names = {row[0].rsplit(".", 1)[-1] for row in server.query("show user functions")}
    assert "product_category" in names
    assert f"Python UDFs: {', '.join(sorted(names))}" in server.out.read_text()
    rows = server.query(
        "select description, product_category(description) from raw.transactions "
        "where description is not null limit 5"
    )
    assert len(rows) == 5
    assert all(isinstance(category, str) and category for _, category in rows), rows


# --- log-in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "login",
    [
        (READER[0], "wrong-password"),
        (READER[0], ""),
        ("nobody", READER[1]),
        (READER[0], None),  # PyHive sends a placeholder password
    ],
    ids=["wrong password", "empty password", "unknown user", "no password"],
)
def test_a_bad_login_is_refused(server, login):
    user, password = login
    # without a password PyHive refuses CUSTOM itself; as auth NONE it logs in with a
    # placeholder password, which the server must refuse
    extra = {"auth": "NONE"} if password is None else {}
    with pytest.raises(Exception, match="Error validating the login"):
        hive_connect(server.port, user, password, **extra).close()


def test_without_sasl_the_server_does_not_answer(server):
    from thrift.transport.TTransport import TTransportException

    with pytest.raises(TTransportException):
        conn = hive_connect(server.port, READER[0], None, auth="NOSASL")
        conn.cursor().execute("select 1")


# --- what a reader may do -------------------------------------------------------------------


def test_a_reader_queries_every_mart_and_calls_a_udf(server):
    tables = {row[1] for row in server.query("show tables in marts", READER)}
    assert set(MARTS) <= tables
    for table in tables:
        assert server.query(f"select count(*) from marts.{table}", READER)[0][0] > 0
    # the view publishes version 0: the row added after it is not seen
    published = server.query("select count(*) from marts.fct_sales", READER)[0][0]
    assert published == LINES
    rows = server.query(
        "select product_category(description) from marts.fct_sales "
        "where description is not null limit 3",
        READER,
    )
    assert len(rows) == 3 and all(isinstance(r[0], str) and r[0] for r in rows)
    assert server.query("select * from reference.demo_stock_codes", READER) == [("POST",)]
    assert server.query("describe marts.dim_countries", READER)[0][0] == "country"


@pytest.mark.parametrize(
    "table", ["raw.transactions", "marts_audit.fct_sales", "default.nothing_here"]
)
def test_a_reader_cannot_read_other_schemas(server, table):
    message = refused(server, f"select * from {table}")
    if table != "default.nothing_here":
        assert "schema" in message


def test_a_reader_cannot_list_or_describe_other_schemas(server):
    refused(server, "show tables in raw")
    refused(server, "describe raw.transactions")
    # `use` is allowed (the session is the reader's own), what follows is still checked
    conn = hive_connect(server.port, *READER, database="raw")
    try:
        with pytest.raises(Exception, match="refused"):
            conn.cursor().execute("select * from transactions")
        with pytest.raises(Exception, match="refused"):
            conn.cursor().execute("show tables")
    finally:
        conn.close()


# --- attacks, each refused and leaving no trace --------------------------------------------


def test_transform_runs_no_command(server, tmp_path):
    marker = tmp_path / "transform-ran"
    for login in (READER, WRITER):  # no role runs commands
        message = refused(
            server, f"select transform('x') using 'touch {marker}' as (a string)", login
        )
        assert "TRANSFORM" in message
    assert not marker.exists()


def test_no_file_is_read_through_a_path(server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    for sql in (
        f"select * from text.`{secret}`",
        f"select * from csv.`{secret}`",
        f"select * from delta.`{server.folder / 'spark-warehouse' / 'raw.db' / 'transactions'}`",
    ):
        with pytest.raises(Exception) as caught:
            server.query(sql, READER)
        assert "top secret" not in str(caught.value)


def test_insert_overwrite_directory_writes_nothing(server, tmp_path):
    target = tmp_path / "dump"
    for login in (READER, WRITER):
        refused(server, f"insert overwrite local directory '{target}' select 1", login)
        refused(server, f"insert overwrite directory '{target}' using csv select 1", login)
    assert not target.exists()


def test_no_code_is_loaded(server):
    jar = next((REPO / "java" / "serving" / "target").glob("*.jar"))
    refused(server, f"add jar {jar}")
    refused(server, f"add file {REPO / 'README.md'}")
    upper = "org.apache.hadoop.hive.ql.udf.generic.GenericUDFUpper"
    refused(server, f"create temporary function shout as '{upper}'")
    refused(server, f"create temporary function shout as '{upper}'", WRITER)
    refused(server, "select reflect('java.lang.System', 'getProperty', 'user.dir')")
    functions = {row[0].rsplit(".", 1)[-1] for row in server.query("show user functions")}
    assert "shout" not in functions
    assert not any(str(jar) in str(row) for row in server.query("list jars"))


def test_the_catalog_is_unchanged_by_a_reader(server):
    before = row_count(server, "marts.dim_countries")
    for sql in (
        "drop table marts.dim_countries",
        "insert into marts.dim_countries select 'Atlantis'",
        "delete from marts.dim_countries",
        "truncate table marts.dim_countries",
        "create table marts.mine (a int) using delta",
        "create or replace view marts.fct_sales as select 1 as a",
        "alter table marts.dim_countries add columns (b int)",
        "drop database raw cascade",
        "cache table marts.dim_countries",
    ):
        refused(server, sql)
    assert row_count(server, "marts.dim_countries") == before
    assert {row[1] for row in server.query("show tables in marts")} == set(MARTS)
    assert server.query("select count(*) from marts.fct_sales")[0][0] == LINES
    assert [r[0] for r in server.query("describe marts.dim_countries")] == ["country"]
    assert "transactions" in {row[1] for row in server.query("show tables in raw")}


def test_a_reader_changes_no_setting(server):
    refused(server, "set spark.sql.runSQLOnFiles=true")
    refused(server, "set spark.sql.shuffle.partitions=1")
    refused(server, "reset")


# --- isolation ------------------------------------------------------------------------------


def test_sessions_are_isolated(server):
    first = hive_connect(server.port, *WRITER, database="marts")
    second = hive_connect(server.port, *WRITER)
    try:
        c1, c2 = first.cursor(), second.cursor()
        c1.execute("set spark.sql.shuffle.partitions=7")
        c2.execute("set spark.sql.shuffle.partitions")
        assert c2.fetchall()[0][1] != "7"
        c2.execute("select current_database()")
        assert c2.fetchall() == [("default",)]
        c1.execute("select current_database()")
        assert c1.fetchall() == [("marts",)]
        # the project's UDFs exist in every client's session
        c2.execute("select product_category('JUMBO BAG RED RETROSPOT')")
        assert c2.fetchall()[0][0]
    finally:
        first.close()
        second.close()


# --- clients: SQLAlchemy (Superset's hive:// dialect), beeline ------------------------------


def test_sqlalchemy_lists_the_marts_and_queries_them(server):
    sqlalchemy = pytest.importorskip("sqlalchemy")
    user, password = READER
    engine = sqlalchemy.create_engine(
        f"hive://{user}:{password}@127.0.0.1:{server.port}/marts",
        connect_args={"auth": "CUSTOM"},
    )
    try:
        inspector = sqlalchemy.inspect(engine)
        assert "marts" in inspector.get_schema_names()
        # PyHive's get_table_names reads the first column of SHOW TABLES, which on Spark is the
        # schema (namespace, tableName, isTemporary): list the tables with SQL instead
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text("show tables in marts")).mappings().all()
            tables = {row["tableName"] for row in rows}
            count = conn.execute(sqlalchemy.text("select count(*) from marts.fct_sales")).scalar()
        assert set(MARTS) <= tables
        for table in tables:
            assert inspector.get_columns(table, schema="marts")
        columns = [c["name"] for c in inspector.get_columns("dim_countries", schema="marts")]
        assert columns == ["country"]
        assert count == LINES
    finally:
        engine.dispose()


def test_beeline_logs_in(server):
    beeline = Path(BIN.parent / "lib").glob("python3*/site-packages/pyspark/bin/beeline")
    beeline = next(beeline, None)
    if beeline is None:
        pytest.skip("no beeline in the pyspark package")
    url = f"jdbc:hive2://127.0.0.1:{server.port}/marts"
    ok = run([beeline, "-u", url, "-n", READER[0], "-p", READER[1], "-e",
              "select count(*) from marts.dim_countries"], server.env, timeout=180)  # fmt: skip
    assert ok.returncode == 0, ok.stderr[-2000:]
    bad = run([beeline, "-u", url, "-n", READER[0], "-p", "wrong", "-e", "select 1"],
              server.env, timeout=180)  # fmt: skip
    assert bad.returncode != 0


# --- the writer: dbt through the server, while readers read ---------------------------------


def test_dbt_builds_while_readers_read(server):
    bench = load_bench()
    stop = threading.Event()
    queries = [f"select count(*) from marts.{table}" for table in MARTS]
    result: dict = {}
    readers = threading.Thread(
        target=lambda: result.update(
            stats=bench.run_readers(server.port, READER, queries, clients=4, stop=stop)
        )
    )
    readers.start()
    try:
        env = dict(
            server.env,
            SPARK_THRIFT_HOST="127.0.0.1",
            SPARK_THRIFT_PORT=str(server.port),
            SPARK_THRIFT_USER=WRITER[0],
            SPARK_THRIFT_PASSWORD=WRITER[1],
        )
        build = run(
            [BIN / "dbt", "build", "--target", "thrift", "-s", "+stg_online_retail__invoice_lines",
             "--indirect-selection", "cautious"],
            env,
            timeout=1500,  # 31 nodes: minutes when the machine is shared
        )  # fmt: skip
    finally:
        time.sleep(2)
        stop.set()
        readers.join(120)
    assert build.returncode == 0, build.stdout[-4000:]
    assert "ERROR=0" in build.stdout and "PASS=" in build.stdout
    stats = result["stats"]
    assert stats.failures == [], stats.failures[:3]
    assert stats.count >= 4
    # dbt built the model in the server's warehouse: clients see it at once
    staged = server.query(
        "select count(*), count(distinct invoice_id) from staging.stg_online_retail__invoice_lines"
    )
    raw = server.query("select count(*), count(distinct invoice) from raw.transactions")
    assert staged == raw
    assert staged[0][0] == LINES
    # what dbt built is not for readers
    refused(server, "select count(*) from staging.stg_online_retail__invoice_lines")


# --- TLS -----------------------------------------------------------------------------------

KEYSTORE_PASSWORD = "keystore-secret-1"


def keytool(*args, env: dict[str, str]) -> None:
    tool = shutil.which("keytool") or Path(os.environ.get("JAVA_HOME", "/usr")) / "bin/keytool"
    done = run([tool, *args, "-storepass", KEYSTORE_PASSWORD, "-noprompt"], env, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def make_keystore(folder: Path, name: str, env: dict[str, str]) -> tuple[Path, Path]:
    """A PKCS12 keystore with a self-signed certificate for 127.0.0.1, and that certificate."""
    keystore, cert = folder / f"{name}.p12", folder / f"{name}.pem"
    keytool("-genkeypair", "-alias", "retail", "-keyalg", "RSA", "-keysize", "2048",
            "-validity", "2", "-dname", f"CN={name}", "-ext", "SAN=ip:127.0.0.1",
            "-storetype", "PKCS12", "-keystore", keystore, "-keypass", KEYSTORE_PASSWORD,
            env=env)  # fmt: skip
    keytool("-exportcert", "-rfc", "-alias", "retail", "-keystore", keystore, "-file", cert,
            env=env)  # fmt: skip
    return keystore, cert


def tls_handshake(port: int, trusted: Path) -> dict:
    """The certificate the server shows a client that trusts only `trusted`."""
    context = ssl.create_default_context(cafile=str(trusted))
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        return tls.getpeercert()


def test_tls_serves_only_encrypted_connections_to_clients_that_trust_it(tmp_path):
    env = dict(
        lake_env(tmp_path),
        RETAIL_USERS_FILE=str(tmp_path / "users"),
        RETAIL_TLS_KEYSTORE_PASSWORD=KEYSTORE_PASSWORD,
    )
    add_user(env, READER[0], "bi", READER[1])
    keystore, cert = make_keystore(tmp_path, "server", env)
    _, other_cert = make_keystore(tmp_path, "impostor", env)
    served = ServeProcess(env, tmp_path, READER, "--tls-keystore", str(keystore))
    served.tls_ca = cert
    try:
        served.wait_ready(START_TIMEOUT)  # over TLS, verifying the certificate and the address
        # a reader logs in over TLS and calls a UDF
        rows = served.query("select product_category('JUMBO BAG RED RETROSPOT')")
        assert rows[0][0]
        # the password is still checked under TLS
        with pytest.raises(Exception, match="Error validating the login"):
            hive_query(served.port, (READER[0], "wrong"), "select 1", tls_ca=cert)
        # a plain-text client gets no session: the server speaks only TLS
        with pytest.raises(Exception):  # noqa: B017 - thrift's errors differ by where it breaks
            hive_query(served.port, READER, "select 1")
        # a client that trusts another certificate refuses this server
        assert tls_handshake(served.port, cert)["subject"] == ((("commonName", "server"),),)
        with pytest.raises(ssl.SSLCertVerificationError):
            tls_handshake(served.port, other_cert)
        # the JDBC URL the README gives for TLS, through beeline, with a JKS trust store
        beeline = next(Path(BIN.parent / "lib").glob("python3*/site-packages/pyspark/bin/beeline"))
        truststore = tmp_path / "truststore.jks"
        keytool("-importcert", "-alias", "retail", "-file", cert, "-storetype", "JKS",
                "-keystore", truststore, env=env)  # fmt: skip
        url = (
            f"jdbc:hive2://127.0.0.1:{served.port}/default;ssl=true;"
            f"sslTrustStore={truststore};trustStorePassword={KEYSTORE_PASSWORD}"
        )
        ok = run([beeline, "-u", url, "-n", READER[0], "-p", READER[1], "-e",
                  "select product_pack_size('SET OF 3 CAKE TINS')"], env, timeout=180)  # fmt: skip
        assert ok.returncode == 0, ok.stderr[-2000:]
        assert "| 3 " in ok.stdout, ok.stdout
    finally:
        served.terminate()


# --- where it listens -----------------------------------------------------------------------


def test_every_listening_socket_is_on_loopback(server):
    sockets = listening_sockets(server.proc.pid)
    assert any(port == server.port for _, port in sockets), sockets
    assert all(ip.startswith("127.") or ip in ("::1", "::ffff:127.0.0.1") for ip, _ in sockets), (
        sockets
    )


def test_no_auth_is_refused_off_loopback(tmp_path):
    env = dict(lake_env(tmp_path), RETAIL_USERS_FILE=str(tmp_path / "users"))
    for args in (["--no-auth", "--allow-remote"], ["--no-auth"], []):
        result = run(
            [BIN / "retail", "serve", "--host", "0.0.0.0", "--port", free_port(), *args],
            env,
            timeout=60,
        )
        assert result.returncode == 1
        assert "refusing to listen on 0.0.0.0" in result.stderr
        assert "Traceback" not in result.stderr


def test_auth_needs_a_user(tmp_path):
    env = dict(lake_env(tmp_path), RETAIL_USERS_FILE=str(tmp_path / "users"))
    result = run([BIN / "retail", "serve", "--port", free_port()], env, timeout=60)
    assert result.returncode == 1
    assert "retail users add" in result.stderr


def test_without_auth_anyone_logs_in_on_loopback_and_ctrl_c_stops_it(tmp_path):
    # --no-auth over an empty lake of its own: any name logs in (as the writer role)
    served = ServeProcess(lake_env(tmp_path), tmp_path, ("anyone", "x"), "--no-auth")
    try:
        served.wait_ready(START_TIMEOUT)
        assert served.query("select product_pack_size('SET OF 3 CAKE TINS')") == [(3,)]
        # SIGINT, as Ctrl-C sends it
        assert served.terminate(signal.SIGINT) == 0, served.output()
        assert "Thrift Server stopped" in served.out.read_text()
        assert "Traceback" not in served.err.read_text()
    finally:
        served.terminate(signal.SIGKILL)


def test_a_remote_address_needs_allow_remote(tmp_path):
    env = dict(lake_env(tmp_path), RETAIL_USERS_FILE=str(tmp_path / "users"))
    add_user(env, WRITER[0], "dbt", WRITER[1])
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


# --- stopping: last, the module's server is gone after them --------------------------------


def test_a_second_server_on_the_same_metastore_gets_a_message(server):
    # Derby admits one JVM: the running server holds the metastore
    result = run([BIN / "retail", "serve", "--port", free_port()], server.env, timeout=180)
    assert result.returncode == 1, result.stdout
    assert "is in use by another process" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.query("select 1") == [(1,)]  # the first one is unharmed


def test_sigterm_stops_the_server_cleanly(server):
    assert server.terminate() == 0, server.output()
    assert "Thrift Server stopped" in server.out.read_text()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()


def listening_sockets(pid: int) -> list[tuple[str, int]]:
    """(address, port) of the TCP sockets the process tree of `pid` listens on."""
    pids = [pid]
    for parent in pids:
        for task in Path(f"/proc/{parent}/task").iterdir():
            try:
                children = (task / "children").read_text().split()
            except OSError:  # the thread ended while we looked: it has no children
                continue
            pids.extend(int(c) for c in children if int(c) not in pids)
    inodes = set()
    for each in pids:
        for fd in Path(f"/proc/{each}/fd").iterdir():
            try:
                target = fd.readlink().as_posix()
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A" or fields[9] not in inodes:  # 0A: LISTEN
                continue
            address, port = fields[1].split(":")
            raw = bytes.fromhex(address)
            # /proc prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.append((socket.inet_ntop(family, raw), int(port, 16)))
    return found
