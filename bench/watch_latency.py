"""Latency of `retail watch`: from a file landing to its lines in the published marts.

    .venv/bin/python bench/watch_latency.py --lake /tmp/real-lake [--files 8] [--lines 10000]

Runs `retail watch LANDING` on a lake already built (`--lake`, e.g. the real data after
`retail run --data ../shared/data`) and lands small files in its folder one at a time, the
way the README's landing contract says (written under a dotted name, then renamed). Each
file is one new day of sales: `--lines` generated lines (a seed of their own, so invoice
numbers of their own) re-dated to the day after the lake's last day, then the day after
that, and so on, so each build rewrites one new month partition of the incremental models
and every mart.

A file's latency is the time from its rename to the end of the watcher's batch that loaded
it: the batch's build has then published (write-audit-publish's `publications` row is the
build's last write), so a BI query on `marts` sees its lines. Files land one after the
other: the next lands a few seconds after the last one's batch ended, so latencies are not
queued behind each other. Prints each file's figures and p50/p95 as a Markdown table.

The watcher's own JVM holds the lake's metastore (Derby, one JVM at a time): nothing else
may have the lake open while this runs. Each build parses this checkout's dbt project
afresh, so do not edit it during a run (a worktree, with `RETAIL_PROJECT_DIR` and
`PYTHONPATH` at it, keeps a run on one commit).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BATCH = re.compile(r"^batch (\d+): .*loaded ([\d,]+).*?(?:; build (\d+) s; lag (\d+) s)?$")


def day_file(path: Path, lines: int, seed: int, day: dt.date) -> int:
    """`lines` generated lines, all invoiced on `day` (each keeps its time of day)."""
    import pandas as pd

    from retail_analytics import generate

    raw = generate.write(path.with_suffix(".gen.csv"), lines, seed=seed, progress=False)
    frame = pd.read_csv(raw, dtype=str, keep_default_na=False)
    stamps = pd.to_datetime(frame["invoiced_at"])
    frame["invoiced_at"] = (pd.Timestamp(day) + (stamps - stamps.dt.normalize())).dt.strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    frame.to_csv(path, index=False)
    raw.unlink()
    return len(frame)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 8 values is the largest)."""
    ordered = sorted(values)
    return ordered[max(0, -(-int(share * 100) * len(ordered) // 100) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, required=True, help="a built lake's folder")
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument(
        "--first-day",
        type=dt.date.fromisoformat,
        default=dt.date(2011, 12, 10),
        help="the first file's day: the day after the lake's last (the UCI data: 2011-12-10)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1000,
        help="file i is generated with seed SEED+i; its invoice numbers are the seed's "
        "(generate.first_invoice: seeds 100 apart share them), so a second run on the same "
        "lake needs seeds it has not used, or ingest rejects the lines as reused invoices",
    )
    parser.add_argument("--every", type=float, default=5, help="the watcher's trigger, seconds")
    parser.add_argument("--pause", type=float, default=5, help="seconds between two landings")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait a batch")
    args = parser.parse_args()

    from retail_analytics.spark import lake_environment

    work = Path(tempfile.mkdtemp(prefix="watch-latency-"))
    landing, ready = work / "landing", work / "ready"
    landing.mkdir()
    ready.mkdir()
    files = []
    for i in range(args.files):
        path = ready / f"sales_{args.first_day + dt.timedelta(days=i)}.csv"
        n = day_file(path, args.lines, args.seed + i, args.first_day + dt.timedelta(days=i))
        files.append((path, n))
    print(f"{len(files)} files of {args.lines:,} lines in {ready}", flush=True)

    env = {**os.environ, **lake_environment(args.lake)}
    watcher = subprocess.Popen(
        [
            str(REPO / ".venv/bin/retail"),
            "watch",
            str(landing),
            "--every",
            str(args.every),
            "--checkpoint",
            str(work / "checkpoint"),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def pump() -> None:
        for line in watcher.stdout:
            lines.put((time.time(), line.rstrip()))
        lines.put((time.time(), ""))

    threading.Thread(target=pump, daemon=True).start()

    def wait_for(pattern: re.Pattern[str] | str, timeout: float) -> tuple[float, re.Match[str]]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                at, line = lines.get(timeout=1)
            except queue.Empty:
                if watcher.poll() is not None:
                    sys.exit(f"the watcher exited ({watcher.returncode})")
                continue
            print(f"  [watch] {line}", flush=True)
            match = re.search(pattern, line)
            if match:
                return at, match
        sys.exit(f"no {pattern!r} from the watcher within {timeout:.0f} s")

    rows = []
    try:
        wait_for("^watching ", 300)
        for path, n in files:
            hidden = landing / f".{path.name}"
            shutil.copy(path, hidden)
            landed = time.time()
            hidden.rename(landing / path.name)
            at, match = wait_for(BATCH, args.timeout)
            if match.group(3) is None:
                sys.exit(f"{path.name}: its batch did not build and publish")
            latency = at - landed
            rows.append(
                (path.name, n, int(match.group(2).replace(",", "")), float(match.group(3)), latency)
            )
            time.sleep(args.pause)
    finally:
        watcher.send_signal(signal.SIGINT)
        try:
            watcher.wait(120)
        except subprocess.TimeoutExpired:
            watcher.kill()
        shutil.rmtree(work, ignore_errors=True)

    print("\n| file | lines | loaded | build s | landing to published s |")
    print("|---|---:|---:|---:|---:|")
    for name, n, loaded, build, latency in rows:
        print(f"| {name} | {n:,} | {loaded:,} | {build:.0f} | {latency:.0f} |")
    latencies = [r[4] for r in rows]
    print(
        f"\nlatency over {len(rows)} files: p50 {statistics.median(latencies):.0f} s, "
        f"p95 {percentile(latencies, 0.95):.0f} s, max {max(latencies):.0f} s"
    )


if __name__ == "__main__":
    main()
