"""`retail report`: one self-contained HTML file with the headline charts, read from the marts.

Charts are Plotly figures with plotly.js inlined once in the page, so the file opens offline
and can be mailed or attached as it is. A mart that is not built yet gets a placeholder
section saying so instead of failing the whole report.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from retail_analytics.errors import RetailError
from retail_analytics.spark import PROJECT_DIR, get_spark

log = logging.getLogger(__name__)

# The marts each section reads; a test may point one at a table that does not exist.
MARTS = {
    "monthly_revenue": "marts.fct_country_revenue_monthly",
    "country_revenue": "marts.fct_country_summary",
    "rfm_segments": "marts.fct_customer_rfm",
    "customer_concentration": "marts.dim_customers",
    "concentration_groups": "marts.fct_customer_concentration",
    "category_revenue": "marts.fct_category_revenue_monthly",
    "stock_status": "marts.fct_stock_position",
    "churn_risk": "marts.fct_customer_churn_risk",
    "recommendations": "marts.fct_customer_recommendations",
}
TOP_COUNTRIES = 15
TOP_CATEGORIES = 10
TOP_RECOMMENDED = 20


class ReportError(RetailError):
    """The report cannot be written."""


@dataclass
class Section:
    """One part of the report: a chart with its data, or a placeholder when a mart is missing."""

    id: str
    title: str
    note: str
    data: pd.DataFrame | None = None
    figure: object | None = None  # a plotly Figure
    placeholder: str | None = None
    extra_html: str = ""


@dataclass
class ReportResult:
    """What `write` wrote: the file, its sections and the marts that were missing."""

    path: Path
    sections: list[Section] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [s.placeholder for s in self.sections if s.placeholder]


def default_path() -> Path:
    """`report.html` in dbt's target folder (`DBT_TARGET_PATH`, else `target/`)."""
    return Path(os.environ.get("DBT_TARGET_PATH", PROJECT_DIR / "target")) / "report.html"


def write(path: Path | None = None, spark=None) -> ReportResult:
    """Build every section from the marts and write the HTML report to `path`."""
    try:
        import plotly  # noqa: F401
    except ImportError:
        raise ReportError(
            "the report needs plotly: `pip install plotly` in the project's environment"
        ) from None
    spark = spark or get_spark()
    path = Path(path) if path is not None else default_path()
    sections = [build(spark) for build in SECTION_BUILDERS]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(sections), encoding="utf-8")
    log.info("report written to %s", path)
    return ReportResult(path=path, sections=sections)


# --- reading the marts --------------------------------------------------------------------


def _missing(spark, key: str, columns: tuple[str, ...] = ()) -> str | None:
    """Why the mart behind `key` cannot be read (absent, or lacking columns), or None."""
    table = MARTS[key]
    if not spark.catalog.tableExists(table):
        return f"{table} is not built yet"
    have = {c.lower() for c in spark.table(table).columns}
    lacking = [c for c in columns if c not in have]
    if lacking:
        return f"{table} has no column {', '.join(lacking)}"
    return None


def _query(spark, sql: str) -> pd.DataFrame:
    return spark.sql(sql).toPandas()


def _placeholder(id_: str, title: str, note: str, reason: str) -> Section:
    return Section(id=id_, title=title, note=note, placeholder=reason)


def monthly_revenue(spark) -> Section:
    """Net revenue, gross sales and returns per month, all countries together."""
    id_, title = "monthly-revenue", "Monthly revenue"
    note = "Net revenue = gross sales + returns (returns are negative); service charges apart."
    reason = _missing(spark, "monthly_revenue", ("revenue_month", "net_revenue"))
    if reason:
        return _placeholder(id_, title, note, reason)
    data = _query(
        spark,
        f"""select revenue_month,
               cast(sum(gross_sales) as double) as gross_sales,
               cast(sum(returns) as double) as returns,
               cast(sum(net_revenue) as double) as net_revenue,
               sum(orders) as orders
            from {MARTS["monthly_revenue"]} group by revenue_month order by revenue_month""",
    )
    import plotly.graph_objects as go

    fig = go.Figure()
    for column, name in (("net_revenue", "Net revenue"), ("gross_sales", "Gross sales")):
        fig.add_scatter(x=data.revenue_month, y=data[column], name=name, mode="lines+markers")
    fig.add_bar(x=data.revenue_month, y=data.returns, name="Returns", opacity=0.6)
    fig.update_layout(yaxis_title="£", hovermode="x unified")
    return Section(id_, title, note, data=data, figure=fig)


def country_revenue(spark) -> Section:
    """Net revenue of the top countries over the whole period."""
    id_, title = "country-revenue", "Revenue by country"
    note = f"The {TOP_COUNTRIES} countries with the most net revenue over the whole period."
    reason = _missing(spark, "country_revenue", ("country", "net_revenue"))
    if reason:
        return _placeholder(id_, title, note, reason)
    data = _query(
        spark,
        f"""select country, cast(net_revenue as double) as net_revenue, customers, orders
            from {MARTS["country_revenue"]} order by net_revenue desc, country""",
    )
    import plotly.graph_objects as go

    top = data.head(TOP_COUNTRIES).iloc[::-1]  # largest at the top of a horizontal bar chart
    fig = go.Figure(go.Bar(x=top.net_revenue, y=top.country, orientation="h"))
    fig.update_layout(xaxis_title="Net revenue (£)", height=max(350, 28 * len(top)))
    note += f" {len(data)} countries in all."
    return Section(id_, title, note, data=data, figure=fig)


def rfm_segments(spark) -> Section:
    """Customers and net revenue per RFM segment."""
    id_, title = "rfm-segments", "RFM segments"
    note = "Customers and their net revenue per RFM segment (see the RFM notes in the docs)."
    reason = _missing(spark, "rfm_segments", ("rfm_segment", "monetary"))
    if reason:
        return _placeholder(id_, title, note, reason)
    data = _query(
        spark,
        f"""select rfm_segment, count(*) as customers,
               cast(sum(monetary) as double) as net_revenue
            from {MARTS["rfm_segments"]} group by rfm_segment
            order by net_revenue desc, rfm_segment""",
    )
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("Customers", "Net revenue (£)"))
    fig.add_bar(x=data.rfm_segment, y=data.customers, name="Customers", row=1, col=1)
    fig.add_bar(x=data.rfm_segment, y=data.net_revenue, name="Net revenue", row=1, col=2)
    fig.update_layout(showlegend=False)
    return Section(id_, title, note, data=data, figure=fig)


def customer_concentration(spark) -> Section:
    """The Pareto curve: cumulative share of net revenue against the share of customers."""
    id_, title = "customer-concentration", "Top-customer concentration (Pareto)"
    note = (
        "Customers with positive net revenue, ranked by it: the share of their revenue that "
        "the top x% of them bring."
    )
    reason = _missing(spark, "customer_concentration", ("customer_id", "net_revenue"))
    if reason:
        return _placeholder(id_, title, note, reason)
    # 100 buckets in Spark: the chart needs no more, however many customers there are
    buckets = _query(
        spark,
        f"""with ranked as (
                select net_revenue, ntile(100) over (order by net_revenue desc) as bucket
                from {MARTS["customer_concentration"]} where net_revenue > 0
            )
            select bucket, count(*) as customers, cast(sum(net_revenue) as double) as revenue
            from ranked group by bucket order by bucket""",
    )
    data = pd.DataFrame(
        {
            "customer_share": buckets.customers.cumsum() / max(buckets.customers.sum(), 1),
            "revenue_share": buckets.revenue.cumsum() / max(buckets.revenue.sum(), 1e-9),
        }
    )
    data = pd.concat([pd.DataFrame({"customer_share": [0.0], "revenue_share": [0.0]}), data])
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_scatter(
        x=data.customer_share, y=data.revenue_share, name="Customers", mode="lines", fill="tozeroy"
    )
    fig.add_scatter(x=[0, 1], y=[0, 1], name="Equal shares", mode="lines", line_dash="dot")
    fig.update_layout(
        xaxis=dict(title="Share of customers (largest first)", tickformat=".0%"),
        yaxis=dict(title="Share of their net revenue", tickformat=".0%"),
    )
    top20 = _share_at(data, 0.2)
    if top20 is not None:
        note += f" The top 20% bring {top20:.0%}."
    return Section(id_, title, note, data=data, figure=fig, extra_html=_groups_table(spark))


def _share_at(data: pd.DataFrame, customer_share: float) -> float | None:
    """Revenue share at a customer share, read off the curve (linear between points)."""
    if len(data) < 2:
        return None
    import numpy as np

    return float(np.interp(customer_share, data.customer_share, data.revenue_share))


def _groups_table(spark) -> str:
    """The fct_customer_concentration groups (top 5, 25, 100, top 20%) as an HTML table."""
    if _missing(spark, "concentration_groups", ("customer_group", "customers")):
        return ""
    rows = _query(
        spark,
        f"""select customer_group, customers,
               cast(share_of_customer_net_revenue as double) as share
            from {MARTS["concentration_groups"]} order by group_order""",
    )
    body = "".join(
        f"<tr><td>{html.escape(str(r.customer_group))}</td><td>{r.customers:,}</td>"
        f"<td>{r.share:.1%}</td></tr>"
        for r in rows.itertuples()
    )
    return (
        '<table class="groups"><thead><tr><th>group</th><th>customers</th>'
        f"<th>share of customer net revenue</th></tr></thead><tbody>{body}</tbody></table>"
    )


def category_revenue(spark) -> Section:
    """Net revenue per product category and month."""
    id_, title = "category-revenue", "Revenue by product category"
    note = f"Monthly net revenue of the {TOP_CATEGORIES} largest product categories."
    table = MARTS["category_revenue"]
    reason = _missing(spark, "category_revenue", ("net_revenue",))
    if reason:
        return _placeholder(id_, title, note, reason)
    columns = {c.lower() for c in spark.table(table).columns}
    category = next((c for c in ("category", "product_category") if c in columns), None)
    month = next((c for c in ("revenue_month", "month") if c in columns), None)
    if category is None or month is None:
        return _placeholder(id_, title, note, f"{table} has no category column or no month column")
    data = _query(
        spark,
        f"""select {month} as revenue_month, {category} as category,
               cast(sum(net_revenue) as double) as net_revenue
            from {table} group by 1, 2 order by 1, 2""",
    )
    top = data.groupby("category").net_revenue.sum().nlargest(TOP_CATEGORIES).index
    import plotly.graph_objects as go

    fig = go.Figure()
    for name in top:
        part = data[data.category == name]
        fig.add_bar(x=part.revenue_month, y=part.net_revenue, name=str(name))
    fig.update_layout(barmode="relative", yaxis_title="Net revenue (£)")
    return Section(id_, title, note, data=data, figure=fig)


def stock_status(spark) -> Section:
    """Stock value per location, split by stock status (healthy, shortage, surplus, dead)."""
    id_, title = "stock-status", "Stock status by location"
    note = "Stock value at the latest snapshot per location, by status."
    reason = _missing(spark, "stock_status", ("location_id", "stock_status", "stock_value"))
    if reason:
        return _placeholder(id_, title, note, reason)
    data = _query(
        spark,
        f"""select location_id, stock_status, count(*) as products,
               cast(sum(stock_value) as double) as stock_value
            from {MARTS["stock_status"]} group by 1, 2 order by 1, 2""",
    )
    import plotly.graph_objects as go

    fig = go.Figure()
    for status, part in data.groupby("stock_status", sort=True):
        fig.add_bar(
            x=part.location_id,
            y=part.stock_value,
            name=str(status),
            customdata=part.products,
            hovertemplate="%{x}: %{y:,.0f} (%{customdata} products)",
        )
    fig.update_layout(barmode="stack", yaxis_title="Stock value (£)")
    return Section(id_, title, note, data=data, figure=fig)


def churn_risk(spark) -> Section:
    """Customers by RFM segment and their mean churn probability, from the churn model."""
    id_, title = "churn-risk", "Churn risk"
    note = (
        "Active customers at the churn model's latest cutoff, by RFM segment: how many, and "
        "the mean probability that they make no purchase within the horizon."
    )
    columns = ("rfm_segment", "churn_probability", "model", "model_test_auc")
    reason = _missing(spark, "churn_risk", columns)
    if reason:
        return _placeholder(id_, title, note, reason)
    data = _query(
        spark,
        f"""select coalesce(rfm_segment, 'no RFM score') as rfm_segment,
               count(*) as customers,
               avg(cast(churn_probability as double)) as mean_churn_probability,
               count_if(churn_risk_decile = 1) as top_decile_customers
            from {MARTS["churn_risk"]} group by 1 order by mean_churn_probability desc""",
    )
    if data.empty:
        return _placeholder(
            id_, title, note, f"{MARTS['churn_risk']} has no scores: run `retail train`"
        )
    model = _query(
        spark,
        f"""select model, cast(model_test_auc as double) as auc, model_beats_baselines,
               scored_as_of from {MARTS["churn_risk"]} limit 1""",
    ).iloc[0]
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Bar(
            x=data.rfm_segment,
            y=data.mean_churn_probability,
            customdata=data.customers,
            hovertemplate="%{x}: %{y:.0%} (%{customdata} customers)",
        )
    )
    fig.update_layout(yaxis_title="Mean churn probability", yaxis_tickformat=".0%")
    note += (
        f" Scored as of {model.scored_as_of} by {str(model.model).replace('_', ' ')}, "
        f"held-out AUC {model.auc:.3f}; "
        + (
            "it beats the churn rule and recency alone."
            if model.model_beats_baselines
            else "it does not beat both the churn rule and recency alone."
        )
    )
    return Section(id_, title, note, data=data, figure=fig)


def recommendations(spark) -> Section:
    """The products recommended to the most customers, and the recommender's held-out hit
    rate against the popularity baseline."""
    id_, title = "recommendations", "Recommendations"
    note = (
        f"The {TOP_RECOMMENDED} products the recommender puts in the most customers' top "
        "ten (repeats of past purchases apart from new suggestions)."
    )
    columns = ("stock_code", "description", "bought_before", "model_hit_rate_at_10")
    reason = _missing(spark, "recommendations", columns)
    if reason:
        return _placeholder(id_, title, note, reason)
    data = _query(
        spark,
        f"""select stock_code, any_value(description) as description,
               count_if(not bought_before) as new_to_customer,
               count_if(bought_before) as repeat_purchase,
               count(*) as customers
            from {MARTS["recommendations"]} group by stock_code
            order by customers desc, stock_code limit {TOP_RECOMMENDED}""",
    )
    if data.empty:
        return _placeholder(
            id_, title, note, f"{MARTS['recommendations']} is empty: run `retail train`"
        )
    model = _query(
        spark,
        f"""select cast(max(model_hit_rate_at_10) as double) as hit_rate,
               cast(max(popularity_hit_rate_at_10) as double) as popular,
               count(distinct customer_id) as customers
            from {MARTS["recommendations"]}""",
    ).iloc[0]
    import plotly.graph_objects as go

    top = data.iloc[::-1]  # most recommended at the top of a horizontal bar chart
    label = top.description.fillna(top.stock_code)
    fig = go.Figure()
    fig.add_bar(x=top.new_to_customer, y=label, orientation="h", name="New to the customer")
    fig.add_bar(x=top.repeat_purchase, y=label, orientation="h", name="Bought before")
    fig.update_layout(barmode="stack", xaxis_title="Customers", height=max(350, 28 * len(top)))
    note += (
        f" {int(model.customers):,} customers have recommendations. Held out, the "
        f"recommender's hit rate at 10 was {model.hit_rate:.1%} against {model.popular:.1%} "
        "for the most popular products."
    )
    return Section(id_, title, note, data=data, figure=fig)


SECTION_BUILDERS: list[Callable[[object], Section]] = [
    monthly_revenue,
    country_revenue,
    rfm_segments,
    customer_concentration,
    category_revenue,
    stock_status,
    churn_risk,
    recommendations,
]


# --- the page -----------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .generated { color: #666; margin-top: 0; }
section { margin: 2.5rem 0; } .note { color: #444; }
nav a { margin-right: 1rem; }
.placeholder { border: 2px dashed #bbb; border-radius: 6px; padding: 2rem;
               text-align: center; color: #666; background: #fafafa; }
table.groups { border-collapse: collapse; margin-top: 1rem; }
table.groups td, table.groups th { border-bottom: 1px solid #ddd; padding: 0.3rem 0.8rem;
                                   text-align: right; }
table.groups td:first-child, table.groups th:first-child { text-align: left; }
"""


def render(sections: list[Section]) -> str:
    """The whole HTML page, plotly.js inlined once in the head."""
    from plotly.offline import get_plotlyjs

    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    nav = "".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in sections)
    body = "\n".join(_render_section(s) for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Retail analytics report</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<h1>Retail analytics report</h1>
<p class="generated">Generated {generated} from the marts.</p>
<nav>{nav}</nav>
{body}
</body>
</html>
"""


def _render_section(section: Section) -> str:
    if section.placeholder:
        content = (
            f'<div class="placeholder" id="placeholder-{section.id}"><strong>Not built yet.'
            f"</strong> {html.escape(section.placeholder)}: build it with <code>dbt build</code>"
            " and write the report again.</div>"
        )
    else:
        section.figure.update_layout(
            title=None, margin=dict(l=60, r=20, t=40, b=60), template="plotly_white"
        )
        content = section.figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{section.id}",
            config={"displaylogo": False, "responsive": True},
        )
    return (
        f'<section id="{section.id}"><h2>{html.escape(section.title)}</h2>'
        f'<p class="note">{html.escape(section.note)}</p>{content}{section.extra_html}</section>'
    )
