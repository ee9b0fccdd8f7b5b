"""`retail watch LANDING_DIR`: load files as they land, then bring the marts up to date.

A Spark Structured Streaming query lists the landing folder (the file source, checkpointed)
and hands each micro-batch of new files to **the same** ingest as `retail ingest`
(`ingest.ingest_file`: rules, rejects, dedupe, the load log as the commit), then runs the
main job's build (`dbt build`, data tests, write-audit-publish): the incremental models
rewrite only the months the new loads touched, and BI sees the new lines once every test
passed.

**Exactly once.** A file's load is all or nothing and a file whose content was loaded
before loads nothing (the load log, by SHA-256), so a batch run twice loads nothing twice.
Killed at any point, the watcher restarts from its checkpoint: a batch the checkpoint did
not record as done is run again (its files that did load are "already loaded"), the rows
of a load killed half-way are deleted by the next ingest (`lake.recover`), and a build
killed half-way is redone by the next batch's build (or at the start: see `watch`).

**The landing contract.** Write a file under a name starting with `.` or `_` (Spark's file
listing skips those), then rename it to its final name in the same folder: a rename is
atomic, so the watcher never sees half a file. Files are never modified after landing (a
changed file with a new name is a new file; the same content again loads nothing).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from retail_analytics import ingest, pipeline
from retail_analytics.errors import RetailError
from retail_analytics.rules import Options
from retail_analytics.spark import get_spark

log = logging.getLogger(__name__)

DEFAULT_TRIGGER_SECONDS = 10
# the endings ingest reads, as Spark's glob (the listing skips every other file)
GLOB = "*.{" + ",".join(sorted({e.split(".")[-1] for e in ingest.FORMATS})) + "}"


# the binaryFile source's columns (a stream needs its schema given)
BINARY_FILE_SCHEMA = "path string, modificationTime timestamp, length bigint, content binary"


class WatchError(RetailError):
    """A landing folder the watcher cannot watch."""


@dataclass
class Batch:
    """What one micro-batch did: its files, their results, the build, the lag."""

    batch_id: int
    files: list[Path]
    results: list[ingest.LoadResult] = field(default_factory=list)
    built: bool = False
    build_seconds: float = 0.0
    lag_seconds: float = 0.0  # from the oldest file's landing to the published marts

    def summary(self) -> str:
        loaded = sum(r.rows_loaded for r in self.results)
        rejected = sum(r.rows_rejected for r in self.results)
        refused = sum(1 for r in self.results if r.refused)
        text = (
            f"batch {self.batch_id}: {len(self.files)} file(s), loaded {loaded:,}, "
            f"rejected {rejected:,}" + (f", {refused} refused" if refused else "")
        )
        if self.built:
            text += f"; build {self.build_seconds:.0f} s; lag {self.lag_seconds:.0f} s"
        return text


def local_path(uri: str) -> Path:
    """A file source's `path` (`file:///a%20b/c.csv`) as a local path."""
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme in ("file", "") else Path(uri)


def build_command(select: list[str] | None) -> list[str]:
    """The watcher's build: the main job's (every model and data test), or `select`'s with
    the tests of the selection only (`cautious`: no test of a model left out)."""
    command = ["build", *pipeline.NO_UNIT_TESTS]
    if select:
        command += ["--select", *select, "--indirect-selection", "cautious"]
    return command


def process(
    paths: list[tuple[Path, float]],
    batch_id: int,
    build: bool,
    options: Options,
    select: list[str] | None = None,
) -> Batch:
    """Ingest the batch's files (path, landed at as epoch seconds), in name order; then,
    when any line loaded and `build`, the build (`build_command`). A failed build leaves
    the published marts as they were (write-audit-publish) and is said, not raised: the
    next batch builds again. Returns what it did."""
    spark = get_spark()
    batch = Batch(batch_id, [p for p, _ in sorted(paths)])
    ingest.prepare(spark, report=print)  # a load killed in an earlier batch
    for path in batch.files:
        if not path.exists():  # removed since it was listed
            print(f"{path.name}: gone before it was read; skipped", flush=True)
            continue
        try:
            result = ingest.ingest_file(spark, path, options)
        except ingest.IngestError as exc:  # not a data file after all (`x.gz`)
            print(f"error: {exc}", flush=True)
            continue
        batch.results.append(result)
        pipeline.print_result(result)
    if build and any(r.rows_loaded for r in batch.results):
        started = time.monotonic()
        try:
            pipeline.dbt(build_command(select))
        except pipeline.DbtError as exc:
            print(f"error: {exc}; the published marts are unchanged", flush=True)
        else:
            batch.built = True
            batch.lag_seconds = time.time() - min(landed for _, landed in paths)
        batch.build_seconds = time.monotonic() - started
    print(batch.summary(), flush=True)
    return batch


def watch(
    landing: Path,
    checkpoint: Path | None = None,
    trigger_seconds: float = DEFAULT_TRIGGER_SECONDS,
    build: bool = True,
    options: Options = ingest.DEFAULTS,
    until_idle: float | None = None,
    select: list[str] | None = None,
) -> None:
    """Watch `landing` until stopped (or, with `until_idle`, until that many seconds pass
    with no new file). The first batch also builds when the last build may have been cut
    short (the checkpoint exists but the watcher was killed during a build)."""
    if not landing.is_dir():
        raise WatchError(f"{landing}: no such folder (the landing folder must exist)")
    spark = get_spark()
    checkpoint = checkpoint or default_checkpoint(spark, landing)
    checkpoint.mkdir(parents=True, exist_ok=True)
    marker = checkpoint / "build_pending"
    if build and marker.exists():  # killed between a load and the end of its build
        print("finishing the build a stopped watcher left unfinished", flush=True)
        pipeline.dbt(build_command(select))
        marker.unlink()
    state = {"last": time.monotonic()}

    def each(frame, batch_id: int) -> None:
        rows = frame.select("path", "modificationTime").collect()
        if not rows:
            return
        state["last"] = time.monotonic()
        files = [(local_path(r.path), r.modificationTime.timestamp()) for r in rows]
        if build:
            marker.touch()
        done = process(files, batch_id, build, options, select)
        if done.built or not any(r.rows_loaded for r in done.results):
            marker.unlink(missing_ok=True)  # a failed build stays pending
        state["last"] = time.monotonic()

    stream = (
        spark.readStream.format("binaryFile")
        .schema(BINARY_FILE_SCHEMA)
        .option("pathGlobFilter", GLOB)
        .option("recursiveFileLookup", "true")
        .load(str(landing))
        .select("path", "modificationTime")  # never the content: ingest reads the file
    )
    query = (
        stream.writeStream.foreachBatch(each)
        .option("checkpointLocation", str(checkpoint / "stream"))
        .trigger(processingTime=f"{trigger_seconds} seconds")
        .queryName("retail_watch")
        .start()
    )
    print(
        f"watching {landing} every {trigger_seconds:g} s (checkpoint {checkpoint}); "
        "land files by writing a .name and renaming it; Ctrl-C stops",
        flush=True,
    )
    try:
        while query.isActive:
            query.awaitTermination(1)
            idle = until_idle is not None and time.monotonic() - state["last"] > until_idle
            if idle and not query.status["isTriggerActive"]:
                break
    except KeyboardInterrupt:
        print("stopping the watcher", flush=True)
    finally:
        query.stop()
    if query.exception():
        raise WatchError(f"the watcher stopped: {query.exception().desc}")


def default_checkpoint(spark, landing: Path) -> Path:
    """`_checkpoints/watch-<hash of the folder>` in the warehouse: one per landing folder."""
    import hashlib

    warehouse = spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
    key = hashlib.sha1(str(landing.resolve()).encode()).hexdigest()[:12]
    return Path(warehouse) / "_checkpoints" / f"watch-{key}"
