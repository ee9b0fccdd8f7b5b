"""Holdout check of a fitted repeat-purchase model (BG/NBD with Gamma-Gamma) against naive.

    .venv/bin/python bench/clv_bgnbd.py                        # ../shared/data, own lake
    .venv/bin/python bench/clv_bgnbd.py --lake /tmp/some-lake  # a lake already built
    ... --no-mart        # skip the heuristic mart's row (it compiles the mart with dbt)
    ... --variants       # also both spend definitions at both dates (MAE, totals)

The same question as `bench/clv_holdout.py`, asked of the standard probabilistic models
instead of the `fct_customer_lifetime_value` heuristic: as of a past date (`--as-of`, default
2010-12-01), predict each customer's net revenue in the next 365 days from the invoices before
that date only, and compare with what they actually brought in, and with the naive baseline
(their net revenue in the 365 days before, repeated) and zero. Same population and actuals as
`clv_holdout.py`: customers with a purchase invoice (`is_purchase`, as the mart counts orders)
before the as-of date; actual = net revenue of all their invoices in [as-of, as-of + 365).

Per customer, from purchase invoices before the as-of date, in days: x = distinct purchase
dates - 1, t_x = first to last purchase date, T = first purchase date to the as-of date, and
m = mean spend per repeat purchase day (`--spend purchases`, the default: net revenue of
the day's purchase invoices; `net`: all invoices' net revenue after the first purchase day,
returns too, / x). BG/NBD (Fader, Hardie & Lee 2005, "Counting your
customers the easy way") is fitted to (x, t_x, T) by maximum likelihood, Gamma-Gamma (Fader,
Hardie & Lee 2005, "RFM and CLV") to (x, m) of the customers with x > 0 and m > 0. Forecast =
E[purchase days in the horizon | x, t_x, T] x E[spend | x, m] (the population mean spend when
x = 0). The same fit and score is repeated at an earlier date (2010-06-01, 180 days ahead)
where a choice between variants could be made without looking at the holdout.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

REPO = Path(__file__).resolve().parents[1]

SPENDS = {
    "purchases": "net revenue of the day's purchase invoices",
    "net": "all invoices' net revenue after the first purchase day (returns too) / x",
}


def load_invoices(spark) -> pd.DataFrame:
    """Every invoice of a known customer: customer, date, purchase flag, net revenue."""
    return spark.sql(
        """
        select
            customer_id,
            invoice_date,
            is_purchase,
            cast(net_revenue as double) as net_revenue
        from intermediate.int_invoices_aggregated
        where customer_id is not null
        """
    ).toPandas()


def summarise(invoices: pd.DataFrame, as_of: date, horizon: int, spend: str) -> pd.DataFrame:
    """One row per customer with a purchase before `as_of`: x, t_x, T, m (from invoices before
    it), the naive forecast (net revenue in the `horizon` days before) and the actual (after)."""
    day = pd.to_datetime(invoices["invoice_date"])
    start = pd.Timestamp(as_of)
    inv = invoices.assign(day=day)
    past = inv[inv["day"] < start]
    buys = past[past["is_purchase"]]
    days = buys.groupby(["customer_id", "day"], as_index=False)["net_revenue"].sum()
    first = days.groupby("customer_id")["day"].agg(["min", "max", "size"])
    rfm = pd.DataFrame(
        {
            "x": first["size"] - 1,
            "t_x": (first["max"] - first["min"]).dt.days,
            "T": (start - first["min"]).dt.days,
        }
    )
    after_first = days.merge(first["min"].rename("first"), on="customer_id")
    if spend == "purchases":
        repeat = after_first[after_first["day"] > after_first["first"]]
        total = repeat.groupby("customer_id")["net_revenue"].sum()
    else:
        every = past.merge(first["min"].rename("first"), on="customer_id")
        total = every[every["day"] > every["first"]].groupby("customer_id")["net_revenue"].sum()
    rfm["m"] = (total.reindex(rfm.index).fillna(0.0) / rfm["x"].where(rfm["x"] > 0)).fillna(0.0)

    def window(lo: pd.Timestamp, hi: pd.Timestamp) -> pd.Series:
        sel = inv[(inv["day"] >= lo) & (inv["day"] < hi)]
        return sel.groupby("customer_id")["net_revenue"].sum().reindex(rfm.index).fillna(0.0)

    span = pd.Timedelta(days=horizon)
    rfm["naive"] = window(start - span, start)
    rfm["actual"] = window(start, start + span)
    return rfm


# --- BG/NBD ------------------------------------------------------------------------------

LOG_BOUND = 15.0  # every parameter is fitted as its log, within [-15, 15]
NO_DROPOUT = 1e-6  # a mean dropout probability a / (a + b) below this: the no-dropout limit


def log_rising(c: float, n: np.ndarray) -> np.ndarray:
    """ln Gamma(c + n) / Gamma(c) for integer n >= 0, as a sum of logs: exact where a
    difference of two large lgamma values is not."""
    steps = np.log(c + np.arange(int(n.max(initial=0))))
    return np.concatenate([[0.0], np.cumsum(steps)])[n.astype(int)]


def fit_log_params(nll, starts):
    """Minimise `nll` over log-parameters: Nelder-Mead from each start, then L-BFGS-B from
    the best; both within the bounds. Returns (parameters, maximised log-likelihood)."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(starts[0])
    options = {"maxiter": 20_000, "xatol": 1e-8, "fatol": 1e-10}
    runs = [minimize(nll, s, method="Nelder-Mead", bounds=bounds, options=options) for s in starts]
    best = min(runs, key=lambda run: run.fun)
    polished = minimize(nll, best.x, method="L-BFGS-B", bounds=bounds)
    best = polished if polished.fun <= best.fun else best
    return np.exp(best.x), -best.fun


def bgnbd_loglik(params, x, t_x, T):
    """Per-customer log-likelihood of BG/NBD (r, alpha, a, b) at (x, t_x, T) (FHL 2005, eq. 6):
    B(a, b + x) / B(a, b) written as rising factorials of b and a + b."""
    r, alpha, a, b = params
    common = log_rising(r, x) + r * np.log(alpha) + log_rising(b, x) - log_rising(a + b, x)
    alive = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        dropped = np.where(x > 0, np.log(a / (b + x - 1)) - (r + x) * np.log(alpha + t_x), -np.inf)
    return common + np.logaddexp(alive, dropped)


def bgnbd_fit(x, t_x, T):
    """Maximum-likelihood (r, alpha, a, b) and the log-likelihood there."""

    def nll(log_params):
        value = -bgnbd_loglik(np.exp(log_params), x, t_x, T).sum()
        return value if np.isfinite(value) else 1e300

    scale = np.log(max(float(np.mean(T)), 1.0))
    return fit_log_params(nll, [np.array([0.0, scale, 0.0, 0.0]), np.array([0.0, scale, -2, 2])])


def bgnbd_p_alive(params, x, t_x, T):
    """P(still active at T | x, t_x, T): 1 / (1 + odds of having dropped out after t_x)."""
    r, alpha, a, b = params
    with np.errstate(divide="ignore"):
        log_odds = np.where(
            x > 0,
            np.log(a / np.maximum(b + x - 1, 1e-300))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)),
            -np.inf,
        )
    return np.exp(-np.logaddexp(0.0, log_odds))


def bgnbd_expected(params, t, x, t_x, T):
    """E[purchases in (T, T + t] | x, t_x, T] (FHL 2005, eq. 10), with scipy's 2F1. Where the
    fit puts no mass on dropping out (a / (a + b) -> 0, a and b not identified), its limit:
    the NBD's t (r + x) / (alpha + T), everyone still active."""
    r, alpha, a, b = params
    if a / (a + b) < NO_DROPOUT:
        return t * (r + x) / (alpha + T)
    f21 = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * f21)
    return head * bgnbd_p_alive(params, x, t_x, T)


# --- Gamma-Gamma -------------------------------------------------------------------------


def gg_loglik(params, x, m):
    """Per-customer log-likelihood of Gamma-Gamma (p, q, v) at mean spend m over x purchases."""
    p, q, v = params
    return (
        gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v)
        + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(v + m * x)
    )  # fmt: skip


def gg_fit(x, m):
    """Maximum-likelihood (p, q, v) on customers with x > 0 and m > 0."""

    def nll(log_params):
        value = -gg_loglik(np.exp(log_params), x, m).sum()
        return value if np.isfinite(value) else 1e300

    return fit_log_params(nll, [np.log([1.0, 2.0, float(np.mean(m))])])


def gg_expected(params, x, m):
    """E[spend per purchase | x, m]; the population mean p v / (q - 1) where x = 0."""
    p, q, v = params
    population = p * v / (q - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = p * (v + x * m) / (p * x + q - 1)
    return np.where(x > 0, own, population)


# --- fit and score -----------------------------------------------------------------------


@dataclass
class Result:
    as_of: date
    horizon: int
    spend: str
    customers: int
    returning: int
    bgnbd: np.ndarray
    gg: np.ndarray
    gg_customers: int
    rows: dict  # name -> (total, MAE, correlation or None)
    actual: float
    top: pd.DataFrame  # actual vs forecasts by decile of the forecast


def fit_and_score(invoices, as_of: date, horizon: int, spend: str) -> Result:
    """Fit both models on invoices before `as_of` and score `horizon` days after it."""
    rfm = summarise(invoices, as_of, horizon, spend)
    x, t_x, T = (rfm[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    m = rfm["m"].to_numpy(dtype=float)
    bg, _ = bgnbd_fit(x, t_x, T)
    spenders = (x > 0) & (m > 0)
    gg, _ = gg_fit(x[spenders], m[spenders])
    # a repeat buyer whose repeat days net to <= 0 (spend "net") gets the population mean
    m_used = np.where(m > 0, m, 0.0)
    x_used = np.where(m > 0, x, 0.0)
    forecast = bgnbd_expected(bg, horizon, x, t_x, T) * gg_expected(gg, x_used, m_used)
    if not np.all(np.isfinite(forecast)):
        raise ValueError("non-finite forecast")
    rfm["bgnbd_gg"] = forecast
    actual = rfm["actual"]
    rows = {}
    for name, column in (("bgnbd_gg", "bgnbd_gg"), ("naive", "naive")):
        pred = rfm[column]
        corr = float(np.corrcoef(pred, actual)[0, 1])
        rows[name] = (float(pred.sum()), float((pred - actual).abs().mean()), corr)
    rows["zero"] = (0.0, float(actual.abs().mean()), None)
    decile = pd.qcut(rfm["bgnbd_gg"].rank(method="first"), 10, labels=False) + 1
    top = rfm.groupby(decile)[["bgnbd_gg", "naive", "actual"]].sum()
    top["n"] = rfm.groupby(decile).size()
    return Result(
        as_of, horizon, spend, len(rfm), int((actual > 0).sum()), bg, gg, int(spenders.sum()),
        rows, float(actual.sum()), top,
    )  # fmt: skip


def print_result(result: Result, mart_row=None) -> None:
    r, alpha, a, b = result.bgnbd
    p, q, v = result.gg
    print(
        f"\nas of {result.as_of}, {result.horizon} days ahead, spend = {result.spend}: "
        f"{result.customers:,} customers with a purchase before it; {result.returning:,} "
        f"bought again in the {result.horizon} days after it\n"
    )
    limit = " (no dropout: the NBD limit is used)" if a / (a + b) < NO_DROPOUT else ""
    print(
        f"BG/NBD (days): r = {r:.4f}, alpha = {alpha:.3f}, a = {a:.4g}, b = {b:.4g}; "
        f"mean dropout probability per purchase a / (a + b) = {a / (a + b):.3g}{limit}\n"
    )
    print(
        f"Gamma-Gamma ({result.gg_customers:,} customers with x > 0 and m > 0): p = {p:.4f}, "
        f"q = {q:.4f}, v = {v:.2f}; population mean spend {p * v / (q - 1):,.1f}\n"
    )
    print(
        f"| forecast of next-{result.horizon}-day net revenue | total | vs actual total "
        "| MAE per customer | correlation |"
    )
    print("|---|---:|---:|---:|---:|")
    named = {
        "bgnbd_gg": "BG/NBD x Gamma-Gamma",
        "naive": f"naive: last {result.horizon} days repeated",
        "zero": "zero",
    }
    rows = dict(result.rows)
    if mart_row is not None:
        rows["mart"] = (float(mart_row.model), float(mart_row.model_mae), mart_row.model_corr)
        named["mart"] = "heuristic (fct_customer_lifetime_value)"
    for key in ("bgnbd_gg", "mart", "naive", "zero"):
        if key not in rows:
            continue
        total, mae, corr = rows[key]
        shown = "-" if corr is None else f"{corr:.3f}"
        ratio = total / result.actual
        print(f"| {named[key]} | {total:,.0f} | {ratio:.2f} | {mae:,.1f} | {shown} |")
    print(f"| actual | {result.actual:,.0f} | 1.00 | | |")
    print(
        "\n| decile of the BG/NBD forecast | customers | BG/NBD x GG | naive | actual "
        "| BG/NBD ÷ actual |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for decile, row in result.top.iterrows():
        ratio = row["bgnbd_gg"] / row["actual"] if row["actual"] else float("nan")
        print(
            f"| {decile} | {int(row['n']):,} | {row['bgnbd_gg']:,.0f} | {row['naive']:,.0f} "
            f"| {row['actual']:,.0f} | {ratio:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--lake", type=Path, help="a lake with int_invoices_aggregated built")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2010, 12, 1))
    parser.add_argument("--horizon", type=int, default=365)
    parser.add_argument("--check-as-of", type=date.fromisoformat, default=date(2010, 6, 1))
    parser.add_argument("--check-horizon", type=int, default=180)
    parser.add_argument("--spend", choices=sorted(SPENDS), default="purchases")
    parser.add_argument("--no-mart", action="store_true", help="skip the heuristic's row")
    parser.add_argument("--variants", action="store_true", help="every spend at both dates")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).parent))
    from clv_holdout import open_lake, score

    spark, lake = open_lake(args.data, args.lake)
    invoices = load_invoices(spark)
    runs = ((args.check_as_of, args.check_horizon), (args.as_of, args.horizon))
    for as_of, horizon in runs:
        mart_row = None
        if not args.no_mart:
            mart_row = score(spark, lake, as_of, horizon)
        print_result(fit_and_score(invoices, as_of, horizon, args.spend), mart_row)
    if args.variants:
        print("\n| as of | days ahead | spend | BG/NBD x GG MAE | naive MAE | total ÷ actual "
              "| correlation |")  # fmt: skip
        print("|---|---:|---|---:|---:|---:|---:|")
        for as_of, horizon in runs:
            for spend in sorted(SPENDS):
                res = fit_and_score(invoices, as_of, horizon, spend)
                total, mae, corr = res.rows["bgnbd_gg"]
                print(
                    f"| {as_of} | {horizon} | {spend} | {mae:,.1f} | {res.rows['naive'][1]:,.1f}"
                    f" | {total / res.actual:.2f} | {corr:.3f} |"
                )


if __name__ == "__main__":
    main()
