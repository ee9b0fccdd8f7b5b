"""The recommender's held-out measures and exclusions (pure functions; the training runs in
the main job, test_pipeline.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from retail_analytics import recommend


def purchases(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(c, s, date.fromisoformat(m), 1) for c, s, m in rows],
        columns=["customer_id", "stock_code", "purchase_month", "purchase_invoices"],
    )


def test_months_before_crosses_years():
    assert recommend.months_before(date(2011, 2, 1), 3) == date(2010, 11, 1)
    assert recommend.months_before(date(2011, 12, 1), -1) == date(2012, 1, 1)


def test_habitual_means_every_one_of_the_last_months_not_most_of_them():
    frame = purchases(
        [
            *(("A", "MUG", m) for m in ("2011-08-01", "2011-09-01", "2011-10-01")),
            *(("A", "CUP", m) for m in ("2011-07-01", "2011-09-01", "2011-10-01")),
            *(("B", "MUG", m) for m in ("2011-09-01", "2011-10-01", "2011-11-01")),
        ]
    )
    found = recommend.habitual(frame, date(2011, 11, 1))
    # A bought MUG in each of August to October; CUP skipped August; B's November is not
    # before the cutoff, so B has two of the three months
    assert list(map(tuple, found.to_numpy())) == [("A", "MUG")]


def test_hit_rate_counts_customers_with_at_least_one_bought_recommendation():
    recommended = {"A": ["X", "Y"], "B": ["Z"], "C": []}
    bought = {"A": {"Y", "Q"}, "B": {"Q"}, "C": {"X"}, "D": {"X"}}
    assert recommend.hit_rate(recommended, bought) == 0.25  # A only, of four customers


def test_coverage_is_distinct_products_recommended_over_the_catalogue():
    assert recommend.coverage({"A": ["X", "Y"], "B": ["X"]}, catalogue=10) == 0.2


def test_popularity_ranks_recent_customers_and_skips_each_ones_habits():
    frame = purchases(
        [
            ("A", "OLD", "2011-01-01"),
            ("B", "OLD", "2011-01-01"),
            ("C", "OLD", "2011-01-01"),  # popular long ago, outside the three months
            ("A", "MUG", "2011-09-01"),
            ("B", "MUG", "2011-10-01"),
            ("C", "CUP", "2011-10-01"),
        ]
    )
    habits = pd.DataFrame({"customer_id": ["A"], "stock_code": ["MUG"]})
    got = recommend.popular(frame, date(2011, 11, 1), ["A", "B"], habits, n=2)
    assert got == {"A": ["CUP"], "B": ["MUG", "CUP"]}
