"""Figures computed with pandas, independently of Spark and the SQL models, to check them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from .conftest import REPO


def service_code_mask(stock_codes: pd.Series) -> pd.Series:
    """Which upper-cased stock codes the service-code seed lists (exact or by prefix)."""
    seed = pd.read_csv(REPO / "seeds" / "service_stock_codes.csv")
    exact = set(seed.loc[seed.match_type == "exact", "stock_code"])
    prefixes = tuple(seed.loc[seed.match_type == "prefix", "stock_code"])
    codes = stock_codes.str.strip().str.upper()
    return codes.isin(exact) | codes.str.startswith(prefixes)


def figures(lines: pd.DataFrame) -> dict[str, object]:
    """The staging figures of a frame with columns invoice, stock_code, description,
    quantity, unit_price (text, as in the file), customer_id (text) and country."""
    customer = lines.customer_id.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    description = lines.description.astype("string").str.strip()
    amount = sum(
        (Decimal(q) * Decimal(p)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        for q, p in zip(lines.quantity.astype(int), lines.unit_price.astype(str), strict=True)
    )
    return {
        "lines": len(lines),
        "invoices": lines.invoice.nunique(),
        "customers": customer.dropna().nunique(),
        "countries": lines.country.nunique(),
        "cancellation_lines": int(lines.invoice.str.upper().str.startswith("C").sum()),
        "service_lines": int(service_code_mask(lines.stock_code).sum()),
        "null_descriptions": int(
            (description.isna() | description.str.lower().isin(["", "nan"])).sum()
        ),
        "line_amount": amount,
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
    """The same figures, from the staging model."""
    return spark.sql(STAGING_FIGURES_SQL).first().asDict()


def read_text_csv(path: Path) -> pd.DataFrame:
    """A CSV with every value as text, as ingest reads it."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
