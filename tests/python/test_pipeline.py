"""The main job end to end on generated data: generate, ingest, dbt build, simulated stock,
inventory marts, docs; staging checked against pandas."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retail_analytics import generate, pipeline, publish

from .expected import figures, read_text_csv, staging_figures

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate.write(
        tmp_path_factory.mktemp("demo") / "demo.csv.gz", 50_000, seed=21, progress=False
    )


def test_main_job_builds_every_layer_from_generated_data(empty_lake, demo, capsys):
    expected = figures(read_text_csv(demo))

    pipeline.run(demo, demo_lines=0, seed=21)
    out = capsys.readouterr().out

    assert "demo.csv.gz: read 50,000, loaded 50,000, rejected 0, skipped duplicates 0" in out
    assert "simulated_inventory_snapshots.csv: read" in out
    assert staging_figures(empty_lake) == expected
    channels = {
        r.sales_channel
        for r in empty_lake.sql(
            "select distinct sales_channel from staging.stg_online_retail__invoice_lines"
        ).collect()
    }
    assert channels == {"online store", "marketplace", "retail store"}
    # the simulation gives every kind of stock position, and the marts act on them
    statuses = {
        r.stock_status: r.n
        for r in empty_lake.sql(
            "select stock_status, count(*) as n from marts.fct_stock_position group by 1"
        ).collect()
    }
    # every status but awaiting_first_sale (the simulation stocks a series when it first sells)
    assert set(statuses) - {"awaiting_first_sale"} == {
        "healthy",
        "surplus",
        "shortage",
        "dead_stock",
    }, statuses
    assert empty_lake.table("marts.fct_stock_transfer_suggestions").count() > 0
    assert empty_lake.table("marts.fct_promotion_candidates").count() > 0
    categories = empty_lake.sql(
        "select count(distinct category) as n from marts.dim_products"
    ).first()
    assert categories.n >= 10
    # the churn model trained on the built features, held out its last labelled cutoff,
    # and its mart scores the customers active on the last day of data
    assert "churn model " in out and "held-out cutoff" in out
    run = empty_lake.table("ml.churn_model_runs").first()
    last_day = empty_lake.sql(
        "select max(invoice_date) from staging.stg_online_retail__invoice_lines"
    ).first()[0]
    assert run.scored_cutoff == last_day and run.test_cutoff < run.scored_cutoff
    assert run.auc > 0.5 and run.test_customers > 0
    risk = empty_lake.table("marts.fct_customer_churn_risk")
    active = empty_lake.sql(
        "select count(*) from intermediate.int_customer_churn_features "
        f"where cutoff_date = date'{last_day}'"
    ).first()[0]
    assert risk.count() == active > 0
    assert risk.where("country is null").count() == 0  # the features of the scored cutoff
    # a driver is a feature raising the risk above the average customer's: most have one
    assert risk.where("driver_1 is not null").count() > 0.9 * active
    # the recommender: held out a month, scored customers, and never recommends a product
    # the customer bought in each of the last three months
    assert "held-out month" in out
    recs = empty_lake.table("marts.fct_customer_recommendations")
    assert recs.count() > 0
    assert empty_lake.table("ml.recommendation_runs").first().hit_rate_at_10 > 0
    habitual = empty_lake.sql(
        """with last as (select max(purchase_month) as m
                         from intermediate.int_customer_product_months)
           select customer_id, stock_code from intermediate.int_customer_product_months
           cross join last where purchase_month > add_months(last.m, -3)
           group by 1, 2 having count(distinct purchase_month) = 3"""
    )
    assert habitual.count() > 0  # the generated data has habits to leave out...
    assert recs.join(habitual, ["customer_id", "stock_code"]).count() == 0  # ...and they are
    # "bought with": both kinds of evidence, the basket's partners always first
    with_ = empty_lake.table("marts.fct_product_recommendations")
    assert {r.evidence for r in with_.select("evidence").distinct().collect()} == {
        "bought together",
        "bought by the same customers",
    }
    misordered = empty_lake.sql(
        """select stock_code from marts.fct_product_recommendations group by stock_code
           having max(case when evidence = 'bought together' then recommendation_rank end)
                > min(case when evidence <> 'bought together' then recommendation_rank end)"""
    )
    assert misordered.count() == 0
    docs = Path(os.environ["DBT_TARGET_PATH"]) / "index.html"
    assert docs.exists()
    assert "built:" in out and "marts.fct_customer_rfm" in out


def test_running_the_main_job_again_loads_nothing_new(spark, demo, capsys):
    pipeline.ingest_paths([demo])
    assert "already loaded" in capsys.readouterr().out
    assert spark.table("raw.transactions").count() == 50_000


# --- write-audit-publish, on the lake the main job built and published ---------------------

MART = "dim_customers"
# eager: every data test of dim_customers runs, cross-mart ones too; the unit tests ran in
# the main job's build and check logic, not what is published
# --full-refresh: the raw edits below are made in place, not loaded, and an incremental
# build reads new loads only (macros/incremental_months.sql)
SELECT = ["--select", f"+{MART}", "--exclude-resource-type", "unit_test", "--full-refresh"]


def _pins(status: publish.Status) -> dict[str, tuple[int, str | None]]:
    return {p.mart: (p.source_version, p.checksum) for p in status.pins}


def test_the_main_job_published_every_mart_it_tested(spark):
    status = publish.status(spark, checksums=True)
    # the session's temporary views (other tests') are listed in every schema: skip them
    audited = {t.name for t in spark.catalog.listTables("marts_audit") if not t.isTemporary}
    assert set(_pins(status)) == audited
    views = {t.name: t.tableType for t in spark.catalog.listTables("marts") if not t.isTemporary}
    assert set(views) == audited and set(views.values()) == {"VIEW"}
    # two builds published: every model, then the stock and churn models again on the
    # simulated stock and the trained model
    assert [p.action for p in status.history] == ["publish", "publish"]
    assert status.history[-1].tests_passed > 100 and status.history[0].tests_passed > 10
    assert status.unfinished == 0


def test_a_failing_test_leaves_the_published_marts_as_they_were(spark, capsys):
    before = publish.status(spark, checksums=True)
    # a country the `countries` seed lacks slips into the lake: dim_customers' relationship
    # test to the seed fails after dim_customers was rebuilt in marts_audit
    raw_version = spark.sql("describe history raw.transactions limit 1").first().version
    customer = spark.sql(
        "select min(customer_id) as c from raw.transactions where customer_id is not null"
    ).first()[0]
    spark.sql(f"update raw.transactions set country = 'Atlantis' where customer_id = '{customer}'")
    try:
        with pytest.raises(pipeline.DbtError):
            pipeline.dbt(["build", *SELECT])
        out = capsys.readouterr().out
        assert "publish: WITHHELD" in out and "relationships_dim_customers_country" in out
        after = publish.status(spark, checksums=True)
        assert _pins(after) == _pins(before)  # same versions, same rows
        assert after.history[0].action == "withheld"
        assert "relationships_dim_customers_country" in after.history[0].note
        # the audited table did change: BI would have seen Atlantis without the publish step
        audited = spark.sql(
            f"select count(*) as n from marts_audit.{MART} where country = 'Atlantis'"
        )
        assert audited.first().n == 1
        published = spark.sql(f"select count(*) as n from marts.{MART} where country = 'Atlantis'")
        assert published.first().n == 0
    finally:  # Delta time travel: the raw table exactly as it was
        spark.sql(f"restore table raw.transactions to version as of {raw_version}")


def test_a_passing_build_publishes_and_rollback_restores_the_previous_versions(spark, capsys):
    before = _pins(publish.status(spark, checksums=True))
    pipeline.dbt(["build", *SELECT])
    assert "publish: published" in capsys.readouterr().out
    after = _pins(publish.status(spark, checksums=True))
    assert after[MART][0] > before[MART][0]  # a newer audited version...
    assert after[MART][1] == before[MART][1]  # ...of the same data
    unchanged = {m for m in before if m != MART and before[m] == after[m]}
    assert unchanged, "marts the selection did not build keep their pins"

    pipeline.dbt(["run-operation", "rollback_marts"])
    rolled_back = publish.status(spark, checksums=True)
    assert _pins(rolled_back) == before
    assert rolled_back.history[0].action == "rollback"
