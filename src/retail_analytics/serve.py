"""A Spark Thrift Server (HiveServer2 protocol) over the project's warehouse, for BI and dbt.

The server runs inside this process's SparkSession, built by `get_spark` like every other
entry point, so clients see the same warehouse, metastore and registered Python UDFs.

Safe by default: clients log in (HiveServer2 CUSTOM authentication against the users file of
`retail users`), each client gets a session of its own (its `use` and `set` touch no one
else; the Python UDFs are shared into every new session), and a session extension checks
every statement against the user's role before it runs (java/serving: `bi` reads the
published marts only, no role runs commands or loads code). No Spark UI, no SQL on files,
and no authentication only on loopback with `--no-auth`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from retail_analytics import users
from retail_analytics.errors import RetailError
from retail_analytics.spark import PROJECT_DIR, SparkSettings, delta_jars, get_spark, hive_llap_jar

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 10000
DEFAULT_SCHEMA = "marts"
NO_TLS_WARNING = (
    "WARNING: no TLS: passwords and query results cross the network in clear text to "
    "{host}:{port}. Add --tls-keystore, or reach the server through an SSH tunnel or a VPN."
)
SERVING_JAR = PROJECT_DIR / "java" / "serving" / "target" / "retail-serving.jar"
EXTENSION = "retail.serving.ServingExtension"
AUTHENTICATOR = "retail.serving.PasswordFileAuthenticator"
# what readers may read; a view in a published schema may read anything (write-audit-publish)
READABLE_SCHEMAS = ("marts", "reference")
PUBLISHED_SCHEMAS = ("marts",)
TLS_PASSWORD_ENV = "RETAIL_TLS_KEYSTORE_PASSWORD"


class ServeError(RetailError):
    """The Thrift Server cannot start."""


class RemoteBindError(ServeError):
    """A non-loopback address was asked for without authentication or --allow-remote."""

    def __init__(self, host: str, auth: bool) -> None:
        if not auth:
            reason = "--no-auth is for loopback only (127.0.0.1, ::1, localhost)"
        else:
            reason = "other machines are let in only with --allow-remote"
        super().__init__(f"refusing to listen on {host}: {reason}.")


@dataclass(frozen=True)
class ServeOptions:
    """How the server listens and whom it lets in."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    auth: bool = True
    allow_remote: bool = False
    tls_keystore: Path | None = None
    readable_schemas: tuple[str, ...] = READABLE_SCHEMAS


class PortInUseError(ServeError):
    """The port the server should listen on is taken."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(
            f"cannot listen on {host}:{port} ({reason}). Is another `retail serve` or Thrift "
            "Server running? Stop it, or pick another port with --port."
        )


@dataclass(frozen=True)
class ServerInfo:
    """Where a running server listens and what it serves."""

    host: str
    port: int
    schemas: tuple[str, ...]
    udfs: tuple[str, ...]

    @property
    def jdbc_url(self) -> str:
        """The JDBC URL of the marts, with a host name clients can use."""
        host = self.host
        if is_wildcard(host):
            host = socket.getfqdn()
        elif ":" in host:
            host = f"[{host}]"
        return f"jdbc:hive2://{host}:{self.port}/{DEFAULT_SCHEMA}"


def is_loopback(host: str) -> bool:
    """True when `host` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """True for the all-interfaces addresses 0.0.0.0 and ::."""
    return host in ("0.0.0.0", "::", "")


def check_bind(host: str, port: int, allow_remote: bool, auth: bool = True) -> None:
    """Refuse a remote address without auth or `allow_remote`, and a port already taken."""
    if not is_loopback(host) and not (auth and allow_remote):
        raise RemoteBindError(host, auth)
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host}: unknown host ({exc.strerror})") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise PortInUseError(host, port, exc.strerror or str(exc)) from None


def thrift_conf(options: ServeOptions) -> dict[str, str]:
    """The Spark settings of a Thrift Server with these options."""
    # `spark.hive.x` reaches Hive's configuration as `x` (a bare `hive.x` works too, but
    # spark-submit warns that it ignores it).
    conf = {
        # a session per client: one client's `use` and `set` never reach another
        "spark.sql.hive.thriftServer.singleSession": "false",
        "spark.hive.server2.thrift.port": str(options.port),
        "spark.hive.server2.thrift.bind.host": options.host,
        "spark.hive.server2.transport.mode": "binary",
        "spark.hive.server2.enable.doAs": "false",
        # per-query log files under /tmp, which nobody reads here and whose cleanup fails noisily
        "spark.hive.server2.logging.operation.enabled": "false",
        # no `select * from text.`/etc/passwd``; no web UI to anyone
        "spark.sql.runSQLOnFiles": "false",
        "spark.ui.enabled": "false",
        # A server runs for weeks: keep the status of the last few hundred queries, not the
        # thousands of jobs, stages, tasks and plans Spark keeps by default (with the UI off
        # they are never read; a full `dbt build` through a 1 GiB server ran out of heap).
        "spark.ui.retainedJobs": "200",
        "spark.ui.retainedStages": "200",
        "spark.ui.retainedTasks": "2000",
        "spark.ui.retainedDeadExecutors": "10",
        "spark.sql.ui.retainedExecutions": "50",
        "spark.sql.thriftServer.ui.retainedStatements": "100",
        "spark.sql.thriftServer.ui.retainedSessions": "50",
        # A statement's plan and results stay in the server until its client closes it; a
        # client that never does (dbt-spark's thrift connection opens a cursor per query and
        # closes only the last) would hold them all for as long as it stays connected. Close
        # finished statements nobody has touched for 10 minutes (checked every minute).
        "spark.hive.server2.idle.operation.timeout": "10m",
        "spark.hive.server2.session.check.interval": "1m",
        "spark.retail.serving.readableSchemas": ",".join(options.readable_schemas),
        "spark.retail.serving.publishedSchemas": ",".join(PUBLISHED_SCHEMAS),
        # without authentication every client is trusted as the writer (loopback only)
        "spark.retail.serving.defaultRole": "" if options.auth else "dbt",
    }
    if options.auth:
        conf["spark.hive.server2.authentication"] = "CUSTOM"
        conf["spark.hive.server2.custom.authentication.class"] = AUTHENTICATOR
    else:
        conf["spark.hive.server2.authentication"] = "NONE"
    if options.tls_keystore is not None:
        conf["spark.hive.server2.use.SSL"] = "true"
        conf["spark.hive.server2.keystore.path"] = str(options.tls_keystore)
        conf["spark.hive.server2.keystore.password"] = os.environ.get(TLS_PASSWORD_ENV, "")
    return conf


def check_options(options: ServeOptions) -> None:
    """Refuse what cannot work before a JVM starts: no users, no jar, no keystore."""
    if not SERVING_JAR.is_file():
        raise ServeError(
            f"{SERVING_JAR} is missing: build it with `make setup` (scripts/build_serving_jar.sh)"
        )
    if options.auth and not any(u.role in users.ROLES for u in users.read().values()):
        raise ServeError(
            f"no users in {users.users_file()}: add one with `retail users add NAME --role bi` "
            "(or, on loopback only, serve without authentication: --no-auth)"
        )
    if options.tls_keystore is not None:
        if not options.tls_keystore.is_file():
            raise ServeError(f"no keystore at {options.tls_keystore}")
        if not os.environ.get(TLS_PASSWORD_ENV):
            raise ServeError(f"set {TLS_PASSWORD_ENV} to the keystore's password")


def serving_settings(options: ServeOptions) -> SparkSettings:
    """`get_spark`'s settings from the environment, plus the server's."""
    settings = SparkSettings.from_env(extra=thrift_conf(options))
    extra = dict(settings.extra)
    if settings.master.startswith("local"):
        # the driver's own ports (RPC, block manager) on loopback too
        extra.update({"spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1"})
    return replace(
        settings,
        ui_enabled=False,
        extra=extra,
        extra_extensions=(*settings.extra_extensions, EXTENSION),
        # Delta's jars on the JVM's own classpath too: client sessions run on Hive's threads,
        # which do not reliably see the loader `spark.jars` adds
        extra_jars=(*settings.extra_jars, *delta_jars(), hive_llap_jar(), SERVING_JAR),
    )


def quiet_client_errors(spark) -> None:
    """Leave a failed client query's error to the client, not the server log.

    dbt probes for schemas that may not exist yet; the client gets every error's message, and
    the server's log would repeat each with ~80 lines of Java stack. `--verbose` keeps them.
    """
    if log.isEnabledFor(logging.DEBUG):
        return
    jvm = spark._jvm
    jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
        "org.apache.spark.sql.hive.thriftserver.SparkExecuteStatementOperation",
        jvm.org.apache.logging.log4j.Level.FATAL,
    )


def share_udfs(spark) -> tuple[str, ...]:
    """Make the UDFs registered on the root session exist in every client's session."""
    names = [name.rsplit(".", 1)[-1] for name in user_functions(spark)]
    gateway = spark.sparkContext._gateway
    array = gateway.new_array(gateway.jvm.java.lang.String, len(names))
    for i, name in enumerate(names):
        array[i] = name
    spark._jvm.retail.serving.SharedFunctions.share(spark._jsparkSession, array)
    return tuple(names)


def start(options: ServeOptions):
    """Build the session through `get_spark` and start the Thrift Server on it."""
    from pyspark import SparkContext

    if SparkContext._active_spark_context is not None:
        # get_spark would hand back that session, without the settings the server needs
        raise ServeError(
            "this process already has a SparkSession: start the Thrift Server in a process "
            "of its own (`retail serve`)"
        )
    # read by the authenticator and the access check in the JVM (java/serving)
    os.environ["RETAIL_USERS_FILE"] = str(users.users_file())
    spark = get_spark(serving_settings(options))
    quiet_client_errors(spark)
    share_udfs(spark)
    if options.auth:
        # Hive's CustomAuthenticationProviderImpl reads a fresh HiveConf, which sees system
        # properties but not the session's `spark.hive.*` settings
        spark._jvm.java.lang.System.setProperty(
            "hive.server2.custom.authentication.class", AUTHENTICATOR
        )
    server_class = spark._jvm.org.apache.spark.sql.hive.thriftserver.HiveThriftServer2
    log.info("starting the Thrift Server on %s:%d", options.host, options.port)
    server = server_class.startWithContext(spark._jsparkSession.sqlContext())
    return spark, server


def user_functions(spark) -> tuple[str, ...]:
    """Names of the functions registered on the session (the project's Python UDFs)."""
    rows = spark.sql("show user functions").collect()
    return tuple(sorted(row[0] for row in rows))


def serve(
    options: ServeOptions,
    on_ready: Callable[[ServerInfo], None] | None = None,
) -> None:
    """Run the Thrift Server until SIGINT or SIGTERM, then stop it and the session."""
    host, port = options.host, options.port
    check_bind(host, port, options.allow_remote, options.auth)
    check_options(options)
    stop = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def on_signal(signum, frame) -> None:
        stop.set()

    for sig in signals:
        signal.signal(sig, on_signal)
    try:
        try:
            spark, server = start(options)
        except KeyboardInterrupt:  # Ctrl-C while PySpark's own SIGINT handler was in place
            log.info("interrupted while starting")
            return
        # SparkContext installs a SIGINT handler of its own (cancel jobs, KeyboardInterrupt):
        # put ours back, so Ctrl-C stops the server like SIGTERM does
        for sig in signals:
            signal.signal(sig, on_signal)
        try:
            info = ServerInfo(
                host=host,
                port=port,
                schemas=tuple(sorted(db.name for db in spark.catalog.listDatabases())),
                udfs=user_functions(spark),
            )
            if on_ready is not None:
                on_ready(info)
            while not stop.wait(0.5):
                pass
            log.info("stopping the Thrift Server")
        finally:
            server.stop()
            spark.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
