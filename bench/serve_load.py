"""Load on `retail serve`: reader connections query the marts while a writer builds with dbt.

    .venv/bin/python bench/serve_load.py                  # 8 readers x 30 s, 20,000 lines
    .venv/bin/python bench/serve_load.py --clients 4 --seconds 10 --lines 5000

Everything is its own: a temporary lake, users file and server on a free port of 127.0.0.1
(never another address). The writer runs `dbt build --target thrift` of the staging model
in a loop for as long as the readers read. Prints a Markdown table of latency percentiles
(the rows BENCHMARKS.md quotes). `run_readers` is also the driver of the pytest load test.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
READER = ("bench_reader", "bench-reader-secret")
WRITER = ("bench_writer", "bench-writer-secret")


@dataclass
class ReadStats:
    """Latencies (seconds) of the reads that succeeded, and the errors of those that failed."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        """The p-th percentile of the latencies (nearest rank), in seconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
        return ordered[rank]


def _connect(port: int, login: tuple[str, str]):
    from pyhive import hive

    return hive.connect(
        host="127.0.0.1", port=port, username=login[0], password=login[1], auth="CUSTOM"
    )


def run_readers(
    port: int,
    login: tuple[str, str],
    queries: list[str],
    clients: int,
    stop: threading.Event,
    seconds: float | None = None,
) -> ReadStats:
    """`clients` connections, each running `queries` in turn until `stop` (or `seconds`)."""
    stats = ReadStats()
    lock = threading.Lock()
    started = time.monotonic()

    def done() -> bool:
        return stop.is_set() or (seconds is not None and time.monotonic() - started > seconds)

    def reader(offset: int) -> None:
        conn = None
        i = offset
        while not done():
            sql = queries[i % len(queries)]
            i += 1
            began = time.monotonic()
            try:
                if conn is None:
                    conn = _connect(port, login)
                cursor = conn.cursor()
                cursor.execute(sql)
                cursor.fetchall()
                with lock:
                    stats.latencies.append(time.monotonic() - began)
            except Exception as exc:  # every failed read is a finding, whatever its kind
                with lock:
                    stats.failures.append(f"{sql}: {str(exc)[:300]}")
                conn = None
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats.seconds = time.monotonic() - started
    return stats


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list, env: dict[str, str], stdin: str | None = None) -> None:
    result = subprocess.run(
        [str(a) for a in args], cwd=REPO, env=env, input=stdin, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def _environment(folder: Path) -> dict[str, str]:
    from retail_analytics.spark import lake_environment

    env = dict(os.environ, **lake_environment(folder))
    env.update(
        RETAIL_USERS_FILE=str(folder / "users"),
        RETAIL_DRIVER_MEMORY="2g",
        RETAIL_SHUFFLE_PARTITIONS="2",
        SPARK_LOCAL_IP="127.0.0.1",
    )
    return env


def _wait_ready(proc: subprocess.Popen, port: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"retail serve exited with {proc.returncode}")
        try:
            _connect(port, WRITER).close()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise SystemExit("retail serve did not come up") from None
            time.sleep(1)


def _query(port: int, sql: str) -> None:
    conn = _connect(port, WRITER)
    try:
        conn.cursor().execute(sql)
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--lines", type=int, default=20_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="serve_load_") as tmp:
        folder = Path(tmp)
        env = _environment(folder)
        for (name, password), role in ((READER, "bi"), (WRITER, "dbt")):
            _run([BIN / "retail", "users", "add", name, "--role", role, "--password-stdin"],
                 env, password + "\n")  # fmt: skip
        data = folder / "t.parquet"
        _run([BIN / "retail", "generate", "--lines", args.lines, "-o", data, "-q"], env)
        _run([BIN / "retail", "ingest", data], env)
        port = _free_port()
        with (folder / "serve.log").open("w") as log:
            proc = subprocess.Popen(
                [str(BIN / "retail"), "serve", "--port", str(port)],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            _wait_ready(proc, port)
            for sql in (
                "create database if not exists marts",
                "create table marts.fct_sales using delta as select * from raw.transactions",
                "create table marts.dim_countries using delta as "
                "select country, count(*) as lines from raw.transactions group by country",
            ):
                _query(port, sql)
            queries = [
                "select count(*) from marts.fct_sales",
                "select country, lines from marts.dim_countries order by lines desc limit 10",
                "select product_category(description) as category, count(*) "
                "from marts.fct_sales group by 1",
            ]
            builds = _writer_loop(port, env, args.seconds)
            stats = run_readers(
                port, READER, queries, args.clients, threading.Event(), args.seconds
            )
            builds.join()
        finally:
            proc.terminate()
            proc.wait(120)
    _report(args, stats, builds.count)
    for failure in builds.failures:
        print(f"dbt build failed: {failure}", file=sys.stderr)
    return 1 if stats.failures or builds.failures else 0


class _WriterLoop(threading.Thread):
    """`dbt build --target thrift` of the staging model, again and again, for `seconds`."""

    def __init__(self, port: int, env: dict[str, str], seconds: float) -> None:
        super().__init__()
        self.env = dict(
            env,
            SPARK_THRIFT_PORT=str(port),
            SPARK_THRIFT_USER=WRITER[0],
            SPARK_THRIFT_PASSWORD=WRITER[1],
        )
        self.seconds = seconds
        self.count = 0
        self.failures: list[str] = []

    def run(self) -> None:
        end = time.monotonic() + self.seconds
        while time.monotonic() < end:
            try:
                _run([BIN / "dbt", "build", "--target", "thrift", "-s",
                      "+stg_online_retail__invoice_lines", "--indirect-selection", "cautious"],
                     self.env)  # fmt: skip
            except SystemExit as failed:  # a failed build is a result, not the end of the bench
                self.failures.append(str(failed)[-2000:])
                return
            self.count += 1


def _writer_loop(port: int, env: dict[str, str], seconds: float) -> _WriterLoop:
    writer = _WriterLoop(port, env, seconds)
    writer.start()
    return writer


def _report(args: argparse.Namespace, stats: ReadStats, builds: int) -> None:
    ms = [1000 * stats.percentile(p) for p in (50, 90, 99)]
    mean = 1000 * statistics.fmean(stats.latencies) if stats.latencies else float("nan")
    print(
        "| readers | seconds | lines | reads | failed | reads/s | p50 ms | p90 ms | p99 ms "
        "| max ms | mean ms | dbt builds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.clients} | {stats.seconds:.0f} | {args.lines:,} | {stats.count} "
        f"| {len(stats.failures)} | {stats.count / stats.seconds:.1f} | {ms[0]:.0f} "
        f"| {ms[1]:.0f} | {ms[2]:.0f} | {1000 * max(stats.latencies, default=0):.0f} "
        f"| {mean:.0f} | {builds} |"
    )
    for failure in stats.failures[:5]:
        print(f"failed: {failure}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
