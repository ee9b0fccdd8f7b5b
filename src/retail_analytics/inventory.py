"""Simulated stock positions and receipts, consistent with the sales in the lake.

The UCI data (and the generator's) has sales but no stock. For the inventory marts to have
something to work on, this simulates each product-location's stock week by week from its
actual weekly sales, under a simple reorder policy whose parameters differ per series: most
are healthy, some overstocked, some run short; of the series that stop selling, most have
their stock cleared after a quarter and the rest keep it (dead stock). The result is
written as ordinary feed files (the documented `inventory_snapshots` and `stock_receipts`
layouts) and loaded with the same ingest as a real feed, so `_source_file` says
`simulated_...` on every row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

DEMAND = "intermediate.int_product_location_demand_weekly"
PRODUCTS = "marts.dim_products"
COST_SHARE = 0.55  # unit cost as a share of the average selling price


@dataclass(frozen=True)
class Profile:
    """A reorder policy: order up to `target` weeks of demand when cover falls below `reorder`."""

    name: str
    share: float
    target_weeks: float
    reorder_weeks: float


PROFILES = (
    Profile("healthy", 0.72, 6.0, 3.0),
    Profile("overstocked", 0.12, 40.0, 20.0),
    Profile("running_out", 0.10, 1.5, 0.5),
    Profile("erratic", 0.06, 12.0, 1.0),
)


WRITE_OFF_SHARE = 0.75  # series whose stock is cleared once they stop selling
WRITE_OFF_WEEKS = 13  # weeks without a sale before that happens


def simulate_arrays(
    demand: np.ndarray, first: np.ndarray, profile: np.ndarray, writes_off: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weekly on-hand stock and receipts for each series (rows) from its weekly demand.

    `first` is each series' first week with a sale; `profile` indexes PROFILES. Stock never
    goes below zero (sales beyond it are taken as filled from elsewhere); an order placed
    at the end of a week arrives at the start of the next. Series with `writes_off` clear
    their stock after WRITE_OFF_WEEKS without a sale; the others keep it (dead stock).
    """
    series, weeks = demand.shape
    target = np.array([p.target_weeks for p in PROFILES])[profile]
    reorder = np.array([p.reorder_weeks for p in PROFILES])[profile]
    csum = np.concatenate([np.zeros((series, 1)), np.cumsum(demand, axis=1)], axis=1)
    on_hand = np.zeros((series, weeks))
    receipts = np.zeros((series, weeks))
    stock = np.zeros(series)
    arriving = np.zeros(series)
    rows = np.arange(series)
    # opening stock: target cover of the demand of the first eight weeks
    end = np.minimum(first + 8, weeks)
    opening = target * (csum[rows, end] - csum[rows, first]) / np.maximum(end - first, 1)
    quiet = np.zeros(series)  # weeks since the last sale
    for t in range(weeks):
        started = first <= t
        stock = np.where(first == t, np.ceil(opening), stock)
        receipts[:, t] = arriving
        stock = np.maximum(stock + arriving - demand[:, t], 0) * started
        quiet = np.where(demand[:, t] > 0, 0, quiet + 1)
        stock = np.where(writes_off & (quiet >= WRITE_OFF_WEEKS), 0, stock)
        on_hand[:, t] = stock
        recent = (csum[:, t + 1] - csum[:, max(t - 7, 0)]) / min(t + 1, 8)
        short = started & (recent > 0) & (stock < reorder * recent)
        arriving = np.where(short, np.ceil(target * recent - stock), 0.0)
    return on_hand, receipts


def simulate(spark, out_dir: Path, seed: int = 42, snapshot_weeks: int = 26) -> list[Path]:
    """Write simulated snapshot and receipt files into `out_dir` from the lake's sales."""
    frame = spark.table(DEMAND).select("stock_code", "location_id", "week_start", "units_sold")
    demand = frame.toPandas()
    if demand.empty:
        log.warning("no sales in %s: nothing to simulate", DEMAND)
        return []
    prices = spark.table(PRODUCTS).select("stock_code", "average_unit_price").toPandas()
    weeks = np.sort(demand.week_start.unique())
    keys = (
        demand[["stock_code", "location_id"]]
        .drop_duplicates()
        .sort_values(["stock_code", "location_id"], ignore_index=True)
    )
    keys["series"] = np.arange(len(keys))
    demand = demand.merge(keys, on=["stock_code", "location_id"])
    week_index = {w: i for i, w in enumerate(weeks)}
    matrix = np.zeros((len(keys), len(weeks)))
    matrix[demand.series.to_numpy(), demand.week_start.map(week_index).to_numpy()] = (
        demand.units_sold.to_numpy(dtype=float)
    )
    sold = matrix > 0
    first = np.where(sold.any(axis=1), sold.argmax(axis=1), len(weeks))
    rng = np.random.default_rng(seed)
    profile = rng.choice(len(PROFILES), len(keys), p=[p.share for p in PROFILES])
    writes_off = rng.random(len(keys)) < WRITE_OFF_SHARE
    on_hand, receipts = simulate_arrays(matrix, first, profile, writes_off)

    cost = keys.merge(prices, on="stock_code", how="left").average_unit_price.astype(float)
    keys["unit_cost"] = np.round(cost.fillna(1.0).to_numpy() * COST_SHARE, 2)
    out_dir.mkdir(parents=True, exist_ok=True)

    last = np.arange(max(len(weeks) - snapshot_weeks, 0), len(weeks))
    snapshots = _long(keys, on_hand, weeks, last, "on_hand_qty", first)
    snapshots["snapshot_date"] = snapshots.week + pd.Timedelta(days=6)  # the week's Sunday
    snapshots = snapshots.merge(keys[["series", "unit_cost"]], on="series")
    snapshot_path = out_dir / "simulated_inventory_snapshots.csv"
    snapshots[["snapshot_date", "location_id", "stock_code", "on_hand_qty", "unit_cost"]].to_csv(
        snapshot_path, index=False, date_format="%Y-%m-%d"
    )

    recent = np.arange(max(len(weeks) - 52, 0), len(weeks))
    received = _long(keys, receipts, weeks, recent, "qty", first)
    received = received[received.qty > 0].rename(columns={"week": "received_date"})
    receipt_path = out_dir / "simulated_stock_receipts.csv"
    received[["received_date", "location_id", "stock_code", "qty"]].to_csv(
        receipt_path, index=False, date_format="%Y-%m-%d"
    )
    log.info(
        "simulated %s series: %s snapshot rows, %s receipts",
        f"{len(keys):,}", f"{len(snapshots):,}", f"{len(received):,}",
    )  # fmt: skip
    return [snapshot_path, receipt_path]


def _long(
    keys: pd.DataFrame,
    values: np.ndarray,
    weeks: np.ndarray,
    columns: np.ndarray,
    name: str,
    first: np.ndarray,
) -> pd.DataFrame:
    """Rows (series, week, value) for the given week columns, from each series' start on."""
    series, week = np.meshgrid(np.arange(len(keys)), columns, indexing="ij")
    series, week = series.ravel(), week.ravel()
    keep = week >= first[series]
    series, week = series[keep], week[keep]
    out = keys.iloc[series][["series", "stock_code", "location_id"]].reset_index(drop=True)
    out["week"] = pd.to_datetime(weeks[week])
    out[name] = values[series, week].astype(int)
    return out
