"""Where an ingest's time goes: one file through `retail ingest` on a fresh warehouse, then
the bare reference (Spark reads the same file and writes it as a Delta table), then the
Spark stages of both, slowest first (from the Spark UI's REST API).

    .venv/bin/python bench/ingest_profile.py               # 1,000,000 generated lines
    .venv/bin/python bench/ingest_profile.py --file F.csv  # a file of your own (CSV)
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path


def stages(spark) -> list[dict]:
    """The application's finished stages: wall seconds, tasks, task seconds, name, MB."""
    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages"
    found = []
    for stage in json.load(urllib.request.urlopen(url)):
        if not (stage.get("submissionTime") and stage.get("completionTime")):
            continue
        start, end = (
            datetime.strptime(stage[k].replace("GMT", ""), "%Y-%m-%dT%H:%M:%S.%f")
            for k in ("submissionTime", "completionTime")
        )
        found.append(
            {
                "wall": (end - start).total_seconds(),
                "id": stage["stageId"],
                "tasks": stage["numTasks"],
                "task_s": stage["executorRunTime"] / 1000,
                "name": stage["name"].replace(str(Path.cwd()) + "/", "")[:80],
                "in_mb": stage.get("inputBytes", 0) / 1e6,
                "shuffle_mb": stage.get("shuffleWriteBytes", 0) / 1e6,
            }
        )
    return sorted(found, key=lambda s: s["wall"], reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="generated lines")
    parser.add_argument("--file", type=Path, help="a CSV file to ingest instead")
    args = parser.parse_args()

    from retail_analytics import generate, pipeline
    from retail_analytics.spark import get_spark, lake_environment

    work = Path(tempfile.mkdtemp(prefix="retail-ingest-profile-"))
    os.environ.update(lake_environment(work), RETAIL_SPARK_UI="true")
    path = args.file or generate.write(work / "lines.csv.gz", args.lines, progress=False)
    spark = get_spark()

    start = time.perf_counter()
    pipeline.ingest_paths([path])
    ingest_seconds = time.perf_counter() - start
    ingest_stages = stages(spark)

    start = time.perf_counter()
    df = spark.read.option("header", True).csv(str(path))
    df.write.format("delta").mode("overwrite").saveAsTable("default.bare_copy")
    reference_seconds = time.perf_counter() - start
    seen = {s["id"] for s in ingest_stages}
    reference_stages = [s for s in stages(spark) if s["id"] not in seen]

    print(f"\nfile: {path.name}; warehouse: {work}\n")
    print("| step | seconds | Spark stages | their wall seconds |")
    print("|---|---:|---:|---:|")
    for label, seconds, found in (
        ("`retail ingest` (fresh warehouse)", ingest_seconds, ingest_stages),
        ("reference: `spark.read.csv`, write as Delta", reference_seconds, reference_stages),
    ):
        wall = sum(s["wall"] for s in found)
        print(f"| {label} | {seconds:.1f} | {len(found)} | {wall:.1f} |")
    print(f"\nratio: {ingest_seconds / reference_seconds:.1f}\n")
    print("the ingest's slowest stages:\n")
    print("| wall s | tasks | task s | input MB | shuffle write MB | stage |")
    print("|---:|---:|---:|---:|---:|---|")
    for s in ingest_stages[:10]:
        print(
            f"| {s['wall']:.1f} | {s['tasks']} | {s['task_s']:.1f} | {s['in_mb']:.0f} "
            f"| {s['shuffle_mb']:.0f} | {s['name']} |"
        )


if __name__ == "__main__":
    main()
