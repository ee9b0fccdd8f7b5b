"""A Spark Thrift Server (HiveServer2 protocol) over the project's warehouse, for BI and dbt.

The server runs inside this process's SparkSession, built by `get_spark` like every other
entry point, so clients see the same warehouse, metastore and registered Python UDFs. All
clients share that one session (`singleSession`), which is what makes the session's UDFs
callable over JDBC/ODBC.
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from retail_analytics.errors import RetailError
from retail_analytics.spark import SparkSettings, get_spark

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 10000
DEFAULT_SCHEMA = "marts"
NO_AUTH_WARNING = (
    "WARNING: this HiveServer2 has no authentication and no TLS: anyone who can reach "
    "{host}:{port} can read and change every table. Put it behind a firewall or a VPN."
)


class ServeError(RetailError):
    """The Thrift Server cannot start."""


class RemoteBindError(ServeError):
    """A non-loopback address was asked for without --allow-remote."""

    def __init__(self, host: str) -> None:
        super().__init__(
            f"refusing to listen on {host}: the Thrift Server has no authentication, so it "
            "listens on 127.0.0.1 only unless you pass --allow-remote (and protect the port)."
        )


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


def check_bind(host: str, port: int, allow_remote: bool) -> None:
    """Refuse a remote address without `allow_remote`, and a port that is already taken."""
    if not is_loopback(host) and not allow_remote:
        raise RemoteBindError(host)
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


def thrift_conf(host: str, port: int) -> dict[str, str]:
    """The Spark settings that make the session a one-session Thrift Server on host:port."""
    # `spark.hive.x` reaches Hive's configuration as `x` (a bare `hive.x` works too, but
    # spark-submit warns that it ignores it).
    return {
        # every client shares the one session, with its Python UDFs
        "spark.sql.hive.thriftServer.singleSession": "true",
        "spark.hive.server2.thrift.port": str(port),
        "spark.hive.server2.thrift.bind.host": host,
        "spark.hive.server2.transport.mode": "binary",
        # per-query log files under /tmp, which nobody reads here and whose cleanup fails noisily
        "spark.hive.server2.logging.operation.enabled": "false",
    }


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


def start(host: str, port: int):
    """Build the session through `get_spark` and start the Thrift Server on it."""
    from pyspark import SparkContext

    if SparkContext._active_spark_context is not None:
        # get_spark would hand back that session, without the settings the server needs
        raise ServeError(
            "this process already has a SparkSession: start the Thrift Server in a process "
            "of its own (`retail serve`)"
        )
    spark = get_spark(SparkSettings.from_env(extra=thrift_conf(host, port)))
    quiet_client_errors(spark)
    server_class = spark._jvm.org.apache.spark.sql.hive.thriftserver.HiveThriftServer2
    log.info("starting the Thrift Server on %s:%d", host, port)
    server = server_class.startWithContext(spark._jsparkSession.sqlContext())
    return spark, server


def user_functions(spark) -> tuple[str, ...]:
    """Names of the functions registered on the session (the project's Python UDFs)."""
    rows = spark.sql("show user functions").collect()
    return tuple(sorted(row[0] for row in rows))


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allow_remote: bool = False,
    on_ready: Callable[[ServerInfo], None] | None = None,
) -> None:
    """Run the Thrift Server until SIGINT or SIGTERM, then stop it and the session."""
    check_bind(host, port, allow_remote)
    stop = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def on_signal(signum, frame) -> None:
        stop.set()

    for sig in signals:
        signal.signal(sig, on_signal)
    try:
        try:
            spark, server = start(host, port)
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
