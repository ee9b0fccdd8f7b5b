"""Incremental builds by invoice month: loading the data in three parts and building after
each gives the marts a full refresh of the same data gives, and a build rewrites only the
months its new loads touch (macros/incremental_months.sql)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from retail_analytics import generate, pipeline, publish

pytestmark = pytest.mark.slow

INCREMENTAL = "config.materialized:incremental"
# models and seeds, no tests (the main job's build runs them)
BUILD_ALL = ["build", "--resource-type", "model", "--resource-type", "seed"]
BUILD_INCREMENTAL = [*BUILD_ALL, "--select", f"+{INCREMENTAL}"]  # and the seeds they read
STAGING = "staging.stg_online_retail__invoice_lines"
DAILY = "intermediate.int_product_sales_daily"


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> list[Path]:
    """Generated lines cut into three files by invoice (an invoice is in one file).

    1: the months before the middle one, and every other invoice of the middle month;
    2: the middle month's other invoices and the months up to the last quarter;
    3: the last quarter's months and, arriving late, every fifth invoice of the first month.
    """
    folder = tmp_path_factory.mktemp("parts")
    whole = generate.write(folder / "whole.csv", 6_000, seed=5, progress=False)
    lines = pd.read_csv(whole, dtype=str, keep_default_na=False)
    month = pd.to_datetime(lines["invoiced_at"]).dt.strftime("%Y-%m")
    months = sorted(month.unique())
    middle, late = months[len(months) // 2], months[3 * len(months) // 4]
    invoice_rank = lines.groupby(month)["invoice"].rank(method="dense").astype(int)
    part = pd.Series(2, index=lines.index)
    part[month < middle] = 1
    part[(month == middle) & (invoice_rank % 2 == 0)] = 1
    part[month >= late] = 3
    part[(month == months[0]) & (invoice_rank % 5 == 0)] = 3
    paths = []
    for n in (1, 2, 3):
        path = folder / f"part{n}.csv"
        lines[part == n].to_csv(path, index=False)
        paths.append(path)
    return paths


def _month_stamps(spark, table: str, column: str = "invoice_month") -> dict[str, object]:
    rows = spark.sql(
        f"select cast({column} as string) as m, min(_built_at) as first, max(_built_at) as last "
        f"from {table} group by 1"
    ).collect()
    assert all(r.first == r.last for r in rows), "a month partition is written whole"
    return {r.m: r.last for r in rows}


def _months(path: Path) -> set[str]:
    dates = pd.read_csv(path, dtype=str, keep_default_na=False)["invoiced_at"]
    return set(pd.to_datetime(dates).dt.strftime("%Y-%m-01"))


def _checksums(spark) -> dict[str, str]:
    """Every table the build wrote (models only), without the build-time column."""
    sums = {}
    for schema in ("staging", "intermediate", "marts_audit"):
        for table in spark.catalog.listTables(schema):
            if table.isTemporary:  # dbt's `__dbt_tmp` views of incremental builds
                continue
            relation = f"{schema}.{table.name}"
            columns = [c.name for c in spark.catalog.listColumns(relation)]
            if schema == "marts_audit":
                assert "_built_at" not in columns, f"{relation} shows the build-time column"
            kept = ", ".join(f"`{c}`" for c in columns if c != "_built_at")
            sums[relation] = publish.checksum(spark, f"(select {kept} from {relation})")
    return sums


def test_three_incremental_loads_give_what_a_full_refresh_gives(empty_lake, parts):
    spark = empty_lake
    pipeline.ingest_paths([parts[0]])
    pipeline.dbt(BUILD_INCREMENTAL)
    first = _month_stamps(spark, STAGING)
    first_daily = _month_stamps(spark, DAILY, "sales_month")
    assert set(first) == _months(parts[0])

    pipeline.ingest_paths([parts[1]])
    pipeline.dbt(BUILD_INCREMENTAL)
    second = _month_stamps(spark, STAGING)
    touched = _months(parts[1])
    assert set(second) == _months(parts[0]) | touched
    for month in first:  # only the months the new load touched are rewritten
        if month in touched:
            assert second[month] > first[month], month
        else:
            assert second[month] == first[month], month
    # and downstream, only those months again
    daily = _month_stamps(spark, DAILY, "sales_month")
    assert {m for m in daily if daily[m] != first_daily.get(m)} == touched

    pipeline.ingest_paths([parts[2]])
    pipeline.dbt(BUILD_ALL)  # every model: the incremental ones from the months part 3 touched
    third = _month_stamps(spark, STAGING)
    late_month = min(_months(parts[2]))
    assert third[late_month] > second[late_month]  # an old month a late file added to
    assert sum(third[m] == second[m] for m in second) == len(second) - 1
    third_daily = _month_stamps(spark, DAILY, "sales_month")

    pipeline.dbt(BUILD_INCREMENTAL)  # nothing new loaded: nothing rewritten, nothing lost
    assert _month_stamps(spark, STAGING) == third
    assert _month_stamps(spark, DAILY, "sales_month") == third_daily
    incremental = _checksums(spark)

    pipeline.dbt([*BUILD_ALL, "--full-refresh"])
    rebuilt = _month_stamps(spark, STAGING)
    assert all(rebuilt[m] > third[m] for m in third)  # the refresh did rewrite everything
    full = _checksums(spark)
    assert len(full) > 30
    assert {r: s for r, s in incremental.items() if s != full[r]} == {}
    lines = spark.table(STAGING).count()
    assert lines == sum(len(pd.read_csv(p, dtype=str)) for p in parts)
