"""Helpers the subprocess and browser tests share: ports, processes, warehouses, Chromium."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

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
    env = dict(os.environ)
    env.update(
        RETAIL_WAREHOUSE_DIR=str(folder / "spark-warehouse"),
        RETAIL_METASTORE_DIR=str(folder / "metastore_db"),
        DBT_TARGET_PATH=str(folder / "target"),
        DBT_LOG_PATH=str(folder / "logs"),
        RETAIL_DATA_DIR=str(folder / "data"),
        RETAIL_SPARK_UI="false",
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
