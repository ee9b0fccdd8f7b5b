"""Figures computed with pandas, independently of Spark and the SQL models, to check them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from .conftest import REPO

CENT = Decimal("0.01")


def service_code_mask(stock_codes: pd.Series) -> pd.Series:
    """Which upper-cased stock codes the service-code seed lists (exact or by prefix)."""
    seed = pd.read_csv(REPO / "seeds" / "service_stock_codes.csv")
    exact = set(seed.loc[seed.match_type == "exact", "stock_code"])
    prefixes = tuple(seed.loc[seed.match_type == "prefix", "stock_code"])
    codes = stock_codes.str.strip().str.upper()
    return codes.isin(exact) | codes.str.startswith(prefixes)


def revenue_category(stock_codes: pd.Series) -> pd.Series:
    """The seed's revenue category of each upper-cased stock code (exact code first, then
    prefix); missing for goods."""
    seed = pd.read_csv(REPO / "seeds" / "service_stock_codes.csv")
    exact = dict(
        zip(
            seed.stock_code[seed.match_type == "exact"],
            seed.revenue_category[seed.match_type == "exact"],
            strict=True,
        )
    )
    prefixes = list(
        zip(
            seed.stock_code[seed.match_type == "prefix"],
            seed.revenue_category[seed.match_type == "prefix"],
            strict=True,
        )
    )

    def one(code: str) -> str | None:
        if code in exact:
            return exact[code]
        return next((cat for prefix, cat in prefixes if code.startswith(prefix)), None)

    codes = stock_codes.str.strip().str.upper()
    return codes.map({c: one(c) for c in codes.unique()})


SERVICE_MEASURES = {
    "contra_revenue": "contra_revenue",
    "postage_income": "postage",
    "fees_and_charges": "fees_and_charges",
    "other_service_amount": "other_service",
}


def prepare(lines: pd.DataFrame) -> pd.DataFrame:
    """Clean and classify lines the way the project's rules say, in pandas.

    `lines` has columns invoice, stock_code, description, quantity, unit_price (text, as
    in the file), customer_id (text) and country.
    """
    out = pd.DataFrame(index=lines.index)
    out["invoice"] = lines.invoice.str.strip().str.upper()
    out["stock_code"] = lines.stock_code.str.strip().str.upper()
    out["customer"] = (
        lines.customer_id.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    )
    description = lines.description.astype("string").str.strip()
    out["no_description"] = description.isna() | description.str.lower().isin(["", "nan"])
    out["country"] = lines.country
    quantity = lines.quantity.astype(int)
    price = [Decimal(p) for p in lines.unit_price.astype(str)]
    out["amount"] = [
        (q * p).quantize(CENT, ROUND_HALF_UP) for q, p in zip(quantity, price, strict=True)
    ]
    cancel = out.invoice.str.startswith("C")
    adjust = out.invoice.str.startswith("A")
    goods = ~service_code_mask(out.stock_code) & ~adjust
    out["is_cancellation"] = cancel
    out["is_service"] = ~goods & ~adjust
    out["is_sale"] = (
        goods & ~cancel & (quantity > 0) & pd.Series([p > 0 for p in price], index=lines.index)
    )
    out["is_return"] = goods & cancel
    category = revenue_category(out.stock_code).where(~adjust)
    out["category"] = category
    out["goods_net"] = out.amount.where(out.is_sale | out.is_return, Decimal(0))
    out["net"] = out.amount.where(
        out.is_sale | out.is_return | (category == "contra_revenue"), Decimal(0)
    )
    return out


def figures(lines: pd.DataFrame) -> dict[str, object]:
    """The staging figures of raw lines."""
    p = prepare(lines)
    return {
        "lines": len(p),
        "invoices": p.invoice.nunique(),
        "customers": p.customer.dropna().nunique(),
        "countries": p.country.nunique(),
        "cancellation_lines": int(p.is_cancellation.sum()),
        "service_lines": int(service_code_mask(p.stock_code).sum()),
        "null_descriptions": int(p.no_description.sum()),
        "line_amount": sum(p.amount),
    }


def mart_figures(lines: pd.DataFrame) -> dict[str, object]:
    """A few mart figures, the pandas way: totals, the UK, the top product and customers."""
    p = prepare(lines)
    by_product = p[p.is_sale | p.is_return].groupby("stock_code").goods_net.sum()
    by_customer = p[p.customer.notna()].groupby("customer").net.sum()
    top5 = sorted(by_customer, reverse=True)[:5]
    return {
        "net_revenue": sum(p.net),
        **{
            measure: sum(p.amount[p.category == category])
            for measure, category in SERVICE_MEASURES.items()
        },
        "uk_net_revenue": sum(p.net[p.country == "United Kingdom"]),
        "orders": p.invoice[p.is_sale].nunique(),
        "buyers": p.customer[p.is_sale].dropna().nunique(),
        "top_product": by_product.idxmax(),
        "top_product_net_revenue": by_product.max(),
        "top_customer": by_customer.idxmax(),
        "top_customer_net_revenue": by_customer.max(),
        "top5_share_of_customer_net_revenue": float(
            (sum(top5) / sum(by_customer)).quantize(Decimal("0.000001"), ROUND_HALF_UP)
        ),
    }


STAGING_FIGURES_SQL = """
    select
        count(*) as lines,
        count(distinct invoice_id) as invoices,
        count(distinct customer_id) as customers,
        count(distinct country) as countries,
        count_if(is_cancellation) as cancellation_lines,
        count_if(is_service_charge) as service_lines,
        count_if(description is null) as null_descriptions,
        sum(line_amount) as line_amount
    from staging.stg_online_retail__invoice_lines
"""


def staging_figures(spark) -> dict[str, object]:
    """The staging figures, from the staging model."""
    return spark.sql(STAGING_FIGURES_SQL).first().asDict()


def mart_figures_from_marts(spark) -> dict[str, object]:
    """The same mart figures, read from the marts."""
    one = lambda sql: spark.sql(sql).first()  # noqa: E731
    countries = one(
        "select sum(net_revenue) as net, sum(orders) as orders,"
        f" {', '.join(f'sum({m}) as {m}' for m in SERVICE_MEASURES)},"
        " sum(case when country = 'United Kingdom' then net_revenue end) as uk"
        " from marts.fct_country_summary"
    )
    product = one(
        "select stock_code, net_revenue from marts.fct_product_performance"
        " where net_revenue_rank = 1"
    )
    customer = one(
        "select customer_id, net_revenue from marts.dim_customers order by net_revenue desc limit 1"
    )
    top5 = one(
        "select share_of_customer_net_revenue as share from marts.fct_customer_concentration"
        " where customer_group = 'top 5 customers'"
    )
    return {
        "net_revenue": countries.net,
        **{measure: countries[measure] for measure in SERVICE_MEASURES},
        "uk_net_revenue": countries.uk,
        "orders": countries.orders,
        "buyers": one("select count(*) as n from marts.fct_customer_rfm").n,
        "top_product": product.stock_code,
        "top_product_net_revenue": product.net_revenue,
        "top_customer": customer.customer_id,
        "top_customer_net_revenue": customer.net_revenue,
        "top5_share_of_customer_net_revenue": float(top5.share),
    }


def read_text_csv(path: Path) -> pd.DataFrame:
    """A CSV with every value as text, as ingest reads it."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
