"""Atomic ingest: a load killed at any point leaves nothing visible, and a re-run loads it.

Each `retail ingest` here runs in its own process on a warehouse of its own and is stopped
with SIGKILL (its whole process group, JVM included) where the test-only fault-injection
hook `RETAIL_INGEST_PAUSE_AT` holds it: `after_data` (the data rows appended, not the
rejects nor the log row) and `before_log` (everything appended but the log row).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from retail_analytics import lake

from .conftest import REPO
from .helpers import BIN, lake_env, run

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
LINE = "{inv},{code},ITEM,{qty},2010-12-0{day} 08:26:00,1.50,17850,United Kingdom"
# staging and its own tests only (not the mart tests that also read staging)
ONLY = ["--indirect-selection", "cautious"]


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def _file_a(folder: Path) -> Path:
    """a.csv: 4 lines, of which 3 load and 1 is rejected (a quantity that is no number)."""
    return _csv(
        folder / "a.csv",
        [LINE.format(inv=1, code="A", qty=1, day=1), LINE.format(inv=1, code="B", qty=2, day=1),
         LINE.format(inv=2, code="A", qty=3, day=2), LINE.format(inv=2, code="B", qty="x", day=2)],
    )  # fmt: skip


def _killed_at(point: str, args: list, env: dict[str, str]) -> str:
    """Run `retail ingest ARGS` until it pauses at `point`, SIGKILL it; return its stdout."""
    proc = subprocess.Popen(
        [str(BIN / "retail"), "ingest", *map(str, args)],
        cwd=REPO,
        env={**env, lake.PAUSE_ENV: point, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        for line in proc.stderr:
            if f"paused at {point.split(':')[0]}" in line:
                break
        else:
            pytest.fail(f"ingest ended without pausing at {point}: {proc.wait()}")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
    out = proc.stdout.read()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return out


@pytest.fixture
def counts(spark):
    """Row counts of a subprocess's lake, read through the Delta tables' paths."""

    def count(warehouse: Path) -> dict[str, int]:
        tables = {
            "transactions": "raw.db/transactions",
            "rejects": "raw.db/rejects",
            "load_log": "raw.db/load_log",
            "staging": "staging.db/stg_online_retail__invoice_lines",
        }
        return {
            name: spark.read.format("delta").load(str(warehouse / path)).count()
            for name, path in tables.items()
            if (warehouse / path / "_delta_log").exists()
        }

    return count


def committed_rows(spark, warehouse: Path) -> int:
    """Rows of raw.transactions a reader sees: those of loads with a committed log row."""
    read = spark.read.format("delta").load
    committed = read(str(warehouse / "raw.db/load_log")).where(
        F.col("status").isin(*lake.COMMITTED_STATUSES)
    )
    rows = read(str(warehouse / "raw.db/transactions"))
    return rows.join(committed.select(F.col("load_id").alias("_load_id")), "_load_id").count()


def test_a_load_killed_before_its_log_row_is_invisible_and_reloads_whole(tmp_path, counts, spark):
    """The suite's one killed load (two processes): the most exposed point, every row and
    reject appended but not the log row. The e2e test below kills at every point."""
    env = lake_env(tmp_path)
    warehouse = tmp_path / "spark-warehouse"
    a = _file_a(tmp_path)
    _killed_at("before_log", [a], env)
    # its rows are in the tables, but no reader sees them: no committed log row
    assert counts(warehouse) == {"transactions": 3, "rejects": 1, "load_log": 0}
    assert committed_rows(spark, warehouse) == 0

    again = run([BIN / "retail", "ingest", a], env)
    assert again.returncode == 0, again.stderr
    assert (
        "removed rows of unfinished loads (no load-log row): 1 rows from raw.rejects, "
        "3 rows from raw.transactions" in again.stdout
    ), again.stdout
    # loaded whole, as if the first run had never been: nothing reported as a duplicate
    assert "a.csv: read 4, loaded 3, rejected 1, skipped duplicates 0" in again.stdout
    assert counts(warehouse) == {"transactions": 3, "rejects": 1, "load_log": 1}
    assert committed_rows(spark, warehouse) == 3


@pytest.mark.e2e
def test_a_load_killed_at_any_point_is_invisible_and_reloads_whole(tmp_path, counts, spark):
    env = lake_env(tmp_path)
    warehouse = tmp_path / "spark-warehouse"
    a = _file_a(tmp_path)
    b = _csv(  # 4 lines load, 2 rejected
        tmp_path / "b.csv",
        [LINE.format(inv=3, code="A", qty=1, day=3), LINE.format(inv=3, code="B", qty=1, day=3),
         LINE.format(inv=4, code="A", qty=5, day=4), LINE.format(inv=5, code="C", qty=6, day=5),
         LINE.format(inv=5, code="D", qty="", day=5), LINE.format(inv="", code="D", qty=1, day=5)],
    )  # fmt: skip

    # 1. a loads; b is killed after its data rows were appended, before rejects and log
    out = _killed_at("after_data:b.csv", [a, b], env)
    assert "a.csv: read 4, loaded 3, rejected 1, skipped duplicates 0" in out
    assert counts(warehouse) == {"transactions": 7, "rejects": 1, "load_log": 1}

    # 2. a re-run first deletes b's unfinished rows, then is killed before its log row
    out = _killed_at("before_log", [b], env)
    assert "removed rows of unfinished loads (no load-log row): 4 rows from raw.transactions" in out
    assert counts(warehouse) == {"transactions": 7, "rejects": 3, "load_log": 1}

    # 3. staging reads committed loads only: a's 3 lines, none of b's appended rows
    build = run([BIN / "dbt", "build", "-s", "+stg_online_retail__invoice_lines", *ONLY], env)
    assert build.returncode == 0, build.stdout[-3000:]
    assert counts(warehouse)["staging"] == 3

    # 4. a normal re-run cleans up again and loads b whole: nothing reported as duplicate
    again = run([BIN / "retail", "ingest", b], env)
    assert again.returncode == 0, again.stderr
    assert re.search(r"removed rows of unfinished loads .*: 2 rows from raw\.rejects, "
                     r"4 rows from raw\.transactions", again.stdout), again.stdout  # fmt: skip
    assert "b.csv: read 6, loaded 4, rejected 2, skipped duplicates 0" in again.stdout
    assert counts(warehouse) == {"transactions": 7, "rejects": 3, "load_log": 2, "staging": 3}

    # every row of the reload is committed: staging (step 3's rule, the same statuses as
    # `committed_load_ids`, see the test below) would now show all 7
    assert committed_rows(spark, warehouse) == 7

    # 5. the same file once more: already loaded, nothing appended, no reject repeated
    twice = run([BIN / "retail", "ingest", b], env)
    assert "b.csv: already loaded" in twice.stdout and "removed" not in twice.stdout
    assert counts(warehouse) == {"transactions": 7, "rejects": 3, "load_log": 2, "staging": 3}


def test_the_committed_statuses_are_the_same_in_python_and_sql():
    macro = (REPO / "macros" / "committed_load_ids.sql").read_text()
    statuses = re.search(r"status in \(([^)]*)\)", macro).group(1)
    assert tuple(s.strip(" '") for s in statuses.split(",")) == lake.COMMITTED_STATUSES
