"""Where a `dbt build`'s time goes: dbt's own Python, or waiting on Spark.

    .venv/bin/python bench/build_profile.py --lake FOLDER [-- DBT_BUILD_ARGS ...]

Runs `retail build` (extra arguments go to dbt) on the lake in FOLDER (its warehouse,
metastore and dbt target, as `lake_environment` lays them out, e.g. one `retail run` left)
under py-spy, sampling every thread 25 times a second, idle or not. dbt runs each node in its
worker thread; a sample of that thread whose stack is inside py4j is the driver waiting on
the JVM (Spark, Delta Lake, the metastore), any other is dbt's Python (Jinja, compiling,
events, writing files). Prints both shares and the Python functions that take the most.

py-spy slows the build somewhat; the shares, not the seconds, are the result. The lake's
metastore is Derby: nothing else may have it open meanwhile.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
WORKER = "(worker)"  # dbt's node thread: multiprocessing.dummy's pool worker


def shares(raw: Path) -> tuple[int, int, collections.Counter]:
    """(worker samples, of which in py4j, Python functions by inclusive samples)."""
    total = in_java = 0
    functions: collections.Counter = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        if WORKER not in frames[0]:
            continue
        total += int(count)
        if any("py4j" in frame for frame in frames):
            in_java += int(count)
            continue
        # one name per function: its module under site-packages, not its lines
        for name in {re.sub(r" \((.*?site-packages/)?([^:)]*).*", r" (\2)", f) for f in frames[1:]}:
            functions[name] += int(count)
    return total, in_java, functions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("dbt_args", nargs="*")
    args = parser.parse_args()

    from retail_analytics.spark import lake_environment

    env = dict(os.environ, **lake_environment(args.lake.resolve()))
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "build.raw"
        spy = [BIN / "py-spy", "record", "--idle", "--threads", "--rate", "25"]
        command = [*spy, "--format", "raw", "-o", raw, "--", BIN / "retail", "build"]
        done = subprocess.run([*command, *args.dbt_args], env=env, capture_output=True, text=True)
        if done.returncode or not raw.exists():
            sys.exit(f"the build failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr}")
        total, in_java, functions = shares(raw)
    if not total:
        sys.exit(f"no sample of dbt's node thread (a thread named {WORKER!r}): nothing built?")
    finished = re.findall(r"Finished running .*", re.sub(r"\x1b\[[0-9;]*m", "", done.stdout))
    print(finished[-1] if finished else "")
    print(f"\ndbt's worker thread: {total:,} samples, {total / 25:.0f} s")
    print(f"| waiting on the JVM (py4j) | {in_java / total:.0%} |")
    print(f"| dbt's own Python | {(total - in_java) / total:.0%} |")
    print("\nPython functions (inclusive share of the worker's samples):")
    for name, count in functions.most_common(40)[5:25]:  # the first are the thread's frames
        print(f"  {count / total:5.1%}  {name}")


if __name__ == "__main__":
    main()
