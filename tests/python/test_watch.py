"""`retail watch`: files landing while the watcher runs are loaded by the batch ingest and
reach staging and a published mart; a bad file is refused and the stream keeps running; a
watcher killed (SIGKILL) mid-batch and restarted loads every line exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from retail_analytics import generate, ingest, watch

from .conftest import REPO
from .helpers import BIN, lake_env

pytestmark = pytest.mark.slow

# a mart whose every test is in `--select +MART` (the build publishes it); the revenue marts
# share a reconciliation test that reads them all, so they publish after a full build only
MART = "dim_products"


def land(path: Path, folder: Path) -> Path:
    """Land `path` in `folder` as the contract says: copied under a dot name, then renamed."""
    hidden = folder / f".{path.name}"
    hidden.write_bytes(path.read_bytes())
    return hidden.rename(folder / path.name)


def halves(path: Path) -> tuple[Path, Path]:
    """The generated file cut in two by invoice month: the first months, then the rest
    (generated files of other seeds reuse the same invoice numbers)."""
    lines = pd.read_csv(path, dtype=str, keep_default_na=False)
    month = lines["invoiced_at"].str[:7]
    cut = sorted(month.unique())[len(month.unique()) // 2]
    first, second = path.with_name("first.csv"), path.with_name("second.csv")
    lines[month < cut].to_csv(first, index=False)
    lines[month >= cut].to_csv(second, index=False)
    return first, second


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(2)


def loaded_files(spark) -> dict[str, str]:
    return {r.source_file: r.status for r in spark.table(ingest.LOAD_LOG).collect()}


def test_files_landing_while_it_runs_reach_staging_and_a_published_mart(empty_lake, tmp_path):
    spark = empty_lake
    landing, files = tmp_path / "landing", tmp_path / "files"
    landing.mkdir()
    files.mkdir()
    first, second = halves(generate.write(files / "all.csv", 3_000, seed=31, progress=False))
    bad = files / "bad.csv"
    bad.write_text("order,amount\n1,2\n")
    land(first, landing)  # before the watcher starts: its first batch

    errors = []

    def run() -> None:
        try:
            watch.watch(
                landing,
                tmp_path / "checkpoint",
                trigger_seconds=2,
                select=[f"+{MART}"],
                until_idle=30,
            )
        except Exception as exc:  # reported by the test below
            errors.append(exc)

    watcher = threading.Thread(target=run, daemon=True)
    watcher.start()
    published = f"marts.{MART}"
    wait_for(lambda: spark.catalog.tableExists(published), 900, "the first build to publish")
    last_sold = spark.sql(f"select max(last_sold_at) from {published}").first()[0]
    assert last_sold is not None
    # while it runs: a file of no known layout, then a good one
    land(bad, landing)
    land(second, landing)
    watcher.join(timeout=1200)
    assert not watcher.is_alive(), "the watcher did not stop once idle"
    assert not errors, errors

    statuses = loaded_files(spark)
    assert statuses == {"first.csv": "loaded", "bad.csv": "refused", "second.csv": "loaded"}
    staged = spark.table("staging.stg_online_retail__invoice_lines").count()
    assert staged == 3_000  # both files, every line once
    # the second file's later months reached the published mart
    assert spark.sql(f"select max(last_sold_at) from {published}").first()[0] > last_sold


@pytest.mark.e2e
def test_a_watcher_killed_mid_batch_and_restarted_loads_every_line_once(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    for seed, name in ((41, "a.csv"), (42, "b.csv")):
        generate.write(tmp_path / name, 1_000, seed=seed, progress=False)
        land(tmp_path / name, landing)
    env = lake_env(tmp_path / "lake")
    args = [str(BIN / "retail"), "watch", str(landing), "--no-build", "--every", "2"]

    # the first run stops before b.csv's load-log row (its rows written, not committed)
    paused = dict(env, RETAIL_INGEST_PAUSE_AT="before_log:b.csv")
    proc = subprocess.Popen(
        args, cwd=REPO, env=paused, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        for line in proc.stderr:
            if "paused at before_log (b.csv)" in line:
                break
        else:
            raise AssertionError(f"the watcher never paused: {proc.stdout.read()}")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    again = subprocess.run(
        [*args, "--until-idle", "20"], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    out = again.stdout
    assert "removed rows of unfinished loads" in out, out
    # a.csv committed before the kill: already loaded; b.csv loads whole, once
    assert "a.csv: already loaded" in out, out  # the unfinished batch is run again
    assert "b.csv: read 1,000, loaded 1,000" in out, out
    counted = subprocess.run(
        [str(BIN / "python"), "-c", COUNT], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert counted.stdout.split()[-2:] == ["2000", "2000"], counted.stdout + counted.stderr


# rows of raw.transactions, and those of committed loads, in a subprocess's lake
COUNT = """
from retail_analytics import lake
from retail_analytics.spark import get_spark
spark = get_spark()
print(spark.table('raw.transactions').count(),
      lake.committed(spark, 'raw.transactions').count())
"""
