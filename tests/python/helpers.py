"""Helpers the subprocess and browser tests share: ports, processes, warehouses, Chromium."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retail_analytics.spark import lake_environment

from .conftest import REPO

BIN = Path(sys.executable).parent
_profiles = itertools.count()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a command from the project root, capturing its output; never raises on exit code."""
    return subprocess.run(
        [str(a) for a in args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def lake_env(folder: Path) -> dict[str, str]:
    """Environment for processes on a warehouse and metastore of their own, on loopback only."""
    env = dict(os.environ, **lake_environment(folder))
    env.update(
        RETAIL_DRIVER_MEMORY="1g",
        RETAIL_SHUFFLE_PARTITIONS="2",
        SPARK_LOCAL_IP="127.0.0.1",
    )
    return env


def find_chromium() -> str:
    """Path of Chromium (installed with apt-get by scripts/ensure_chromium.sh if need be)."""
    result = subprocess.run(
        [str(REPO / "scripts" / "ensure_chromium.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"no headless Chromium for the browser tests: {result.stderr.strip()}")
    return result.stdout.strip().splitlines()[-1]


def run_chromium(
    chromium: str, url: str, profile_root: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess:
    """One headless Chromium run on `url` (`--dump-dom`, `--screenshot=...` in `args`)."""
    profile = profile_root / f"chromium-profile-{next(_profiles)}"
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        *args,
        url,
    ]
    # its own process group, so a hung browser and all its helpers can be killed together
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium did not finish on {url} within {timeout}s")
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def hive_connect(
    port: int,
    user: str,
    password: str | None,
    database: str = "default",
    tls_ca: Path | None = None,
    **kw,
):
    """A PyHive connection to a Thrift Server on 127.0.0.1, logged in with user and password;
    over TLS when `tls_ca` (a PEM certificate the server's must chain to) is given."""
    from pyhive import hive

    if tls_ca is not None:
        return hive.connect(
            thrift_transport=tls_transport(port, user, password, tls_ca),
            username=user,
            database=database,
        )
    kw.setdefault("auth", "CUSTOM")
    return hive.connect(
        host="127.0.0.1", port=port, username=user, password=password, database=database, **kw
    )


def tls_transport(port: int, user: str, password: str | None, tls_ca: Path):
    """SASL PLAIN over a TLS socket that verifies the server's certificate and address
    (PyHive opens only plain sockets itself)."""
    import ssl

    import thrift_sasl
    from pyhive.hive import get_installed_sasl
    from thrift.transport.TSSLSocket import TSSLSocket

    context = ssl.create_default_context(cafile=str(tls_ca))  # verify_mode CERT_REQUIRED
    sock = TSSLSocket("127.0.0.1", port, ssl_context=context)
    return thrift_sasl.TSaslClientTransport(
        lambda: get_installed_sasl(
            host="127.0.0.1", sasl_auth="PLAIN", service=None, username=user, password=password
        ),
        "PLAIN",
        sock,
    )


def hive_query(
    port: int,
    login: tuple[str, str],
    sql: str,
    database: str = "default",
    tls_ca: Path | None = None,
) -> list:
    """Run one statement on a connection of its own; its rows ([] for a statement without)."""
    conn = hive_connect(port, *login, database=database, tls_ca=tls_ca)
    try:
        cursor = conn.cursor()
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


class ServeProcess:
    """A `retail serve` process; its output goes to files so a full pipe never blocks it."""

    def __init__(
        self, env: dict[str, str], folder: Path, login: tuple[str, str], *args: str
    ) -> None:
        self.port = free_port()
        self.env = env
        self.login = login
        self.tls_ca: Path | None = None  # set to the server's certificate when it serves TLS
        self._connections: dict[tuple, object] = {}
        self.out = folder / "serve.out"
        self.err = folder / "serve.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen(
                [str(BIN / "retail"), "serve", "--port", str(self.port), *args],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=err,
            )

    def output(self) -> str:
        return f"stdout:\n{self.out.read_text()}\nstderr (end):\n{self.err.read_text()[-3000:]}"

    def query(self, sql: str, login: tuple[str, str] | None = None, database: str = "default"):
        """Rows of `sql` run as `login` (default: the server's test login), on a connection
        kept per login (a log-in costs a password hash; a refused statement leaves it usable).
        """
        key = (login or self.login, database)
        conn = self._connections.get(key)
        if conn is None:
            conn = self._connections[key] = hive_connect(
                self.port, *key[0], database=database, tls_ca=self.tls_ca
            )
        cursor = conn.cursor()
        try:
            cursor.execute(sql)
        except Exception as exc:
            if "TSocket" in str(exc) or "Broken pipe" in str(exc):
                self._connections.pop(key, None)
            raise
        return cursor.fetchall() if cursor.description else []

    def wait_ready(self, timeout: float) -> None:
        """Return once a client gets an answer; fail if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"retail serve exited with {self.proc.returncode}\n{self.output()}")
            try:
                hive_query(self.port, self.login, "select 1", tls_ca=self.tls_ca)
                return
            except Exception:
                if time.monotonic() > deadline:
                    pytest.fail(f"retail serve not ready after {timeout}s\n{self.output()}")
                time.sleep(1)

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int | None:
        """Send `sig`, return the exit status; killed (and None returned) if it lingers."""
        for conn in self._connections.values():
            with contextlib.suppress(Exception):  # the server may be gone already
                conn.close()
        self._connections.clear()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
            return None


def add_user(env: dict[str, str], name: str, role: str, password: str) -> None:
    """`retail users add` with the password on standard input."""
    result = subprocess.run(
        [str(BIN / "retail"), "users", "add", name, "--role", role, "--password-stdin"],
        cwd=REPO,
        env=env,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
