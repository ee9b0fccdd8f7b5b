"""The main job under Spark settings: wall time and the first `dbt build`'s time for each.

    .venv/bin/python bench/spark_settings.py [--lines 50000] [--seed 21] [SETTINGS ...]

Each SETTINGS is a `RETAIL_SPARK_CONF` value (`spark.x=v,spark.y=w`; `default` for none).
Without any: Spark's defaults, then whole-stage code generation and adaptive execution off
(`SMALL_LAKE`, which looked cheaper for the test suite's small queries). For each, `retail
run --data FILE` runs in a process of its own on a fresh lake in a temporary folder, on the
same generated file (`--lines`, `--seed`; the test suite's main job uses 50,000 lines, seed
21), one after the other: on a machine of 2 cores, a second job at the same time distorts
both. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL_LAKE = "spark.sql.codegen.wholeStage=false,spark.sql.adaptive.enabled=false"
BIN = Path(sys.executable).parent
FINISHED = re.compile(r"Finished running .* \(([\d.]+)s\)")


def run_main_job(data: Path, conf: str, folder: Path) -> tuple[float, list[float], int]:
    """(wall seconds, each dbt command's seconds, exit status) of `retail run` on `data`."""
    from retail_analytics.spark import lake_environment

    env = dict(os.environ, **lake_environment(folder), RETAIL_SHUFFLE_PARTITIONS="4")
    env.pop("RETAIL_SPARK_CONF", None)
    if conf != "default":
        env["RETAIL_SPARK_CONF"] = conf
    start = time.monotonic()
    done = subprocess.run(
        [BIN / "retail", "run", "--data", data], env=env, capture_output=True, text=True
    )
    wall = time.monotonic() - start
    (folder / "out.log").write_text(done.stdout + done.stderr)
    builds = [float(m) for m in FINISHED.findall(re.sub(r"\x1b\[[0-9;]*m", "", done.stdout))]
    return wall, builds, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("settings", nargs="*", default=["default", SMALL_LAKE])
    args = parser.parse_args()

    from retail_analytics import generate

    with tempfile.TemporaryDirectory(prefix="spark-settings-") as tmp:
        data = generate.write(Path(tmp) / "demo.csv.gz", args.lines, args.seed, progress=False)
        rows = []
        for n, conf in enumerate(args.settings):
            folder = Path(tmp) / f"lake{n}"
            wall, builds, status = run_main_job(data, conf, folder)
            if status:
                print(f"{conf}: retail run failed ({status}); see {folder / 'out.log'}")
                tail = (folder / "out.log").read_text()[-3000:]
                print(tail)
                continue
            first = f"{builds[0]:.0f}" if builds else "-"
            rows.append(f"| `{conf}` | {wall:.0f} | {first} |")
            print(rows[-1], flush=True)
    print(f"\n`retail run` on {args.lines:,} generated lines (seed {args.seed}):\n")
    print("| RETAIL_SPARK_CONF | retail run, s | its first dbt build, s |")
    print("|---|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
