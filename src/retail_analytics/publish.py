"""Write-audit-publish: what BI reads, where it came from, and going back a publication.

dbt writes and tests the marts in `marts_audit`; the publish step itself is dbt's on-run-end
hook (`macros/publish/publish_marts.sql`), so plain `dbt build` publishes exactly as
`retail run` does: each view `marts.<mart>` is pointed at the audited Delta table version
that passed every test of its build. This module reads the publish log and rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from pyspark.sql import SparkSession

PUBLISHED_SCHEMA = "marts"
LOG_SCHEMA = "publish"
PUBLICATIONS = f"{LOG_SCHEMA}.publications"
PUBLISHED_MARTS = f"{LOG_SCHEMA}.published_marts"


@dataclass(frozen=True)
class Pin:
    """One published mart: the audited table version its view reads."""

    mart: str
    source_table: str
    source_version: int
    publication_id: str
    action: str
    published_at: datetime
    tests_passed: int | None
    checksum: str | None = None


@dataclass(frozen=True)
class Publication:
    """One row of the publish log."""

    publication_id: str
    action: str
    dbt_command: str
    target_name: str
    published_at: datetime
    marts: int
    tests_passed: int | None
    note: str | None


@dataclass(frozen=True)
class Status:
    """What is published now, and the recent publications."""

    pins: list[Pin]
    history: list[Publication]
    unfinished: int  # pins of a publication a killed process left unrecorded

    def render(self) -> str:
        """The status as text for the terminal."""
        if not self.pins and not self.history:
            return "nothing published yet: `dbt build` (or `retail run`) publishes the marts"
        lines = [f"published in `{PUBLISHED_SCHEMA}`: {len(self.pins)} marts"]
        width = max((len(p.mart) for p in self.pins), default=10)
        for pin in self.pins:
            tests = "" if pin.tests_passed is None else f", {pin.tests_passed} tests passed"
            checksum = f"  checksum {pin.checksum}" if pin.checksum else ""
            lines.append(
                f"  {pin.mart:<{width}}  {pin.source_table} version {pin.source_version}"
                f"  ({pin.action} {pin.publication_id[:8]} at {pin.published_at:%Y-%m-%d %H:%M:%S}"
                f"{tests}){checksum}"
            )
        if self.unfinished:
            lines.append(
                f"an interrupted publish left {self.unfinished} pins unrecorded: the next "
                "dbt run finishes it"
            )
        lines.append("recent publications (newest first):")
        for pub in self.history:
            tests = "" if pub.tests_passed is None else f", {pub.tests_passed} tests passed"
            note = f": {pub.note}" if pub.note else ""
            lines.append(
                f"  {pub.published_at:%Y-%m-%d %H:%M:%S}  {pub.action:<20} {pub.publication_id[:8]}"
                f"  dbt {pub.dbt_command} on {pub.target_name}, {pub.marts} marts{tests}{note}"
            )
        return "\n".join(lines)


def checksum(spark: SparkSession, relation: str) -> str:
    """Rows and an order-independent hash of every row of `relation`: equal data, equal text."""
    row = spark.sql(
        f"select count(*) as n, coalesce(sum(cast(hash(*) as decimal(38, 0))), 0) as h "
        f"from {relation}"
    ).first()
    return f"{row.n}:{row.h}"


def status(spark: SparkSession, history: int = 10, checksums: bool = False) -> Status:
    """Read the publish log: the current pin of every mart and the latest publications.

    With `checksums`, each published view is also read whole (so it is shown queryable) and
    summarised by `checksum`.
    """
    if not spark.catalog.tableExists(PUBLICATIONS):
        return Status([], [], 0)
    pins = spark.sql(
        f"""
        select mart, source_table, source_version, publication_id, action, published_at,
            tests_passed
        from (
            select m.mart, m.source_table, m.source_version, p.publication_id, p.action,
                p.published_at, p.tests_passed,
                row_number() over (partition by m.mart order by p.published_at desc) as recency
            from {PUBLISHED_MARTS} as m
            inner join {PUBLICATIONS} as p on m.publication_id = p.publication_id
        )
        where recency = 1
        order by mart
        """
    ).collect()
    recent = spark.sql(
        f"""
        select publication_id, action, dbt_command, target_name, published_at, marts,
            tests_passed, note
        from {PUBLICATIONS} order by published_at desc limit {int(history)}
        """
    ).collect()
    unfinished = spark.sql(
        f"""
        select count(*) as n from {PUBLISHED_MARTS} as m
        left anti join {PUBLICATIONS} as p on m.publication_id = p.publication_id
        """
    ).first()
    current = [Pin(**row.asDict()) for row in pins]
    if checksums:
        current = [
            replace(pin, checksum=checksum(spark, f"{PUBLISHED_SCHEMA}.{pin.mart}"))
            for pin in current
        ]
    return Status(
        pins=current,
        history=[Publication(**row.asDict()) for row in recent],
        unfinished=unfinished.n,
    )
