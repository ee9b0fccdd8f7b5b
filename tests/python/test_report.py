"""`retail report`: the HTML report's figures come from the marts and render offline."""

from __future__ import annotations

import re

import pytest

from retail_analytics import generate, pipeline, report

from .conftest import LAKE_SCHEMAS
from .helpers import find_chromium, run_chromium

pytestmark = pytest.mark.slow

# the sections that every build has; the others may be placeholders
CORE = ("monthly-revenue", "country-revenue", "rfm-segments", "customer-concentration")
CORE_MARTS = ("monthly_revenue", "country_revenue", "rfm_segments", "customer_concentration")


@pytest.fixture(scope="module")
def marts(spark, tmp_path_factory):
    """The suite's session with the marts the report reads: reused if built, else built here."""
    needed = [report.MARTS[key] for key in CORE_MARTS]
    if all(spark.catalog.tableExists(t) and spark.table(t).take(1) for t in needed):
        return spark
    for schema in LAKE_SCHEMAS:
        spark.sql(f"drop database if exists {schema} cascade")
    data = generate.write(
        tmp_path_factory.mktemp("report") / "t.parquet", 5000, seed=5, progress=False
    )
    pipeline.ingest_paths([data])
    # every model and test: a mart is published (readable in `marts`) once all its tests,
    # the cross-mart reconciliation among them, ran and passed
    pipeline.dbt(["build"])
    return spark


@pytest.fixture(scope="module")
def written(marts, tmp_path_factory):
    return report.write(tmp_path_factory.mktemp("report_out") / "report.html", spark=marts)


def test_the_report_has_every_section_and_needs_no_network(written):
    page = written.path.read_text()
    ids = [s.id for s in written.sections]
    assert ids == [*CORE, "category-revenue", "stock-status", "churn-risk", "recommendations"]
    for section in written.sections:
        assert f'<section id="{section.id}">' in page
        assert f"<h2>{section.title}</h2>" in page
        if section.placeholder:
            assert f'id="placeholder-{section.id}"' in page
        else:
            assert f'id="chart-{section.id}"' in page
    for core in CORE:
        assert f'id="chart-{core}"' in page, f"{core} is a placeholder"
    # plotly.js is inlined: no script or stylesheet is fetched from anywhere
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", page)
    assert "Plotly.newPlot" in page


def test_the_figures_are_the_marts_numbers(written, marts):
    sections = {s.id: s for s in written.sections}

    monthly = sections["monthly-revenue"].data
    expected = marts.sql(
        "select count(distinct revenue_month) as months, cast(sum(net_revenue) as double) as net "
        "from marts.fct_country_revenue_monthly"
    ).first()
    assert len(monthly) == expected.months
    assert monthly.net_revenue.sum() == pytest.approx(expected.net)
    assert monthly.revenue_month.is_monotonic_increasing

    countries = sections["country-revenue"].data
    top = marts.sql(
        "select country from marts.fct_country_summary order by net_revenue desc limit 1"
    ).first()
    assert countries.country.iloc[0] == top.country

    segments = sections["rfm-segments"].data
    assert segments.customers.sum() == marts.table("marts.fct_customer_rfm").count()

    churn = sections["churn-risk"]
    if not churn.placeholder:  # the main job's lake has a trained model; the fallback not
        scored = marts.table("marts.fct_customer_churn_risk")
        assert churn.data.customers.sum() == scored.count() > 0
        mean = scored.selectExpr("avg(cast(churn_probability as double))").first()[0]
        weighted = (churn.data.mean_churn_probability * churn.data.customers).sum()
        assert weighted / churn.data.customers.sum() == pytest.approx(mean)

    recommended = sections["recommendations"]
    if not recommended.placeholder:  # as the churn section
        top = marts.sql(
            "select stock_code, count(*) as n from marts.fct_customer_recommendations "
            "group by 1 order by n desc, stock_code limit 1"
        ).first()
        assert recommended.data.stock_code.iloc[0] == top.stock_code
        assert recommended.data.customers.iloc[0] == top.n
        parts = recommended.data.new_to_customer + recommended.data.repeat_purchase
        assert (parts == recommended.data.customers).all()

    pareto = sections["customer-concentration"].data
    assert pareto.customer_share.iloc[-1] == pytest.approx(1.0)
    assert pareto.revenue_share.iloc[-1] == pytest.approx(1.0)
    assert pareto.revenue_share.is_monotonic_increasing
    # largest first: the curve lies on or above the diagonal
    assert (pareto.revenue_share >= pareto.customer_share - 1e-9).all()


def test_a_missing_mart_becomes_a_placeholder(marts, tmp_path, monkeypatch):
    monkeypatch.setitem(report.MARTS, "category_revenue", "marts.fct_not_built_yet")
    result = report.write(tmp_path / "report.html", spark=marts)
    page = result.path.read_text()
    assert "marts.fct_not_built_yet is not built yet" in result.missing
    assert 'id="placeholder-category-revenue"' in page
    assert "marts.fct_not_built_yet is not built yet" in page
    assert 'id="chart-monthly-revenue"' in page  # the rest of the report is still there


def test_category_and_stock_sections_chart_their_marts(marts, tmp_path, monkeypatch):
    # stand-ins with the marts' columns, whether or not the real ones are built yet
    marts.sql(
        """select * from values
             ('Bags', date'2011-01-01', 100.50), ('Bags', date'2011-02-01', 80.00),
             ('Candles', date'2011-01-01', -5.25)
           as t(category, revenue_month, net_revenue)"""
    ).createOrReplaceTempView("report_test_categories")
    marts.sql(
        """select * from values
             ('LDN', 'A1', 'healthy', 10.0), ('LDN', 'A2', 'shortage', 2.5),
             ('MAN', 'A1', 'dead_stock', 7.0)
           as t(location_id, stock_code, stock_status, stock_value)"""
    ).createOrReplaceTempView("report_test_stock")
    monkeypatch.setitem(report.MARTS, "category_revenue", "report_test_categories")
    monkeypatch.setitem(report.MARTS, "stock_status", "report_test_stock")

    result = report.write(tmp_path / "report.html", spark=marts)
    for view in ("report_test_categories", "report_test_stock"):
        marts.catalog.dropTempView(view)  # listed in every schema while they live
    sections = {s.id: s for s in result.sections}
    page = result.path.read_text()
    assert 'id="chart-category-revenue"' in page and 'id="chart-stock-status"' in page

    categories = sections["category-revenue"].data
    assert categories.groupby("category").net_revenue.sum().to_dict() == pytest.approx(
        {"Bags": 180.5, "Candles": -5.25}
    )
    stock = sections["stock-status"].data
    assert set(zip(stock.location_id, stock.stock_status, stock.stock_value, strict=True)) == {
        ("LDN", "healthy", 10.0),
        ("LDN", "shortage", 2.5),
        ("MAN", "dead_stock", 7.0),
    }


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


def console_errors(stderr: str) -> list[str]:
    """Chromium's log lines for JavaScript errors and failed loads."""
    return [
        line
        for line in stderr.splitlines()
        if "Uncaught" in line
        or ("CONSOLE" in line and "error" in line.lower())
        or "Failed to load resource" in line
    ]


def test_console_errors_are_detected(chromium, tmp_path):
    # the check below must be able to fail: a page with a JavaScript error trips it
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>no_such_function();</script></body></html>")
    result = run_chromium(
        chromium, broken.as_uri(), tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom"
    )
    assert console_errors(result.stderr), result.stderr[-2000:]


def test_the_report_renders_in_a_browser_without_errors(written, chromium, tmp_path):
    result = run_chromium(
        chromium,
        written.path.as_uri(),
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1200,900",
        "--dump-dom",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert console_errors(result.stderr) == []
    dom = result.stdout
    for section in written.sections:
        if section.placeholder:
            continue
        # plotly turned the div into a plot: its SVG is inside the div
        start = dom.index(f'id="chart-{section.id}"')
        end = dom.find("<section", start)
        chart = dom[start : end if end != -1 else len(dom)]
        assert 'class="main-svg"' in chart, f"{section.id} did not render"
        assert "js-plotly-plot" in dom[dom.rfind("<div", 0, start) : start + 200]
