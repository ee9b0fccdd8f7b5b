"""End to end on generated data: generate, ingest, dbt build; staging checked against pandas."""

from __future__ import annotations

import pytest

from retail_analytics import generate, pipeline

from .expected import figures, read_text_csv, staging_figures

pytestmark = pytest.mark.slow


def test_generated_lines_come_out_of_staging_as_pandas_counts_them(empty_lake, tmp_path, capsys):
    path = generate.write(tmp_path / "demo.csv.gz", 50_000, seed=21, progress=False)
    expected = figures(read_text_csv(path).rename(columns={"invoiced_at": "invoice_date"}))

    pipeline.ingest_paths([path])
    assert "read 50,000, loaded 50,000, rejected 0, skipped duplicates 0" in capsys.readouterr().out
    pipeline.dbt(["build"])

    assert staging_figures(empty_lake) == expected
    channels = {
        r.sales_channel
        for r in empty_lake.sql(
            "select distinct sales_channel from staging.stg_online_retail__invoice_lines"
        ).collect()
    }
    assert channels == {"online store", "marketplace", "retail store"}


def test_summary_lists_the_built_tables(spark, capsys):
    pipeline.print_summary()
    out = capsys.readouterr().out
    assert "staging.stg_online_retail__invoice_lines" in out and "50,000 rows" in out
