"""The churn model's time split and metrics (pure functions; the training itself runs in
the main job, test_pipeline.py)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from retail_analytics import churn

HORIZON = timedelta(days=90)


def month_ends(first: date, last: date) -> list[date]:
    ends, year, month = [], first.year, first.month
    while True:
        nxt = date(year + month // 12, month % 12 + 1, 1)
        end = nxt - timedelta(days=1)
        if end > last:
            return ends
        ends.append(end)
        year, month = nxt.year, nxt.month


def test_the_split_never_lets_a_label_reach_past_the_cutoff_it_is_judged_on():
    data_end = date(2011, 12, 9)
    cutoffs = {c: c + HORIZON for c in month_ends(date(2009, 12, 1), data_end)}
    cutoffs[data_end] = data_end + HORIZON  # the last, partial month's cutoff
    labelled = {c for c, end in cutoffs.items() if end <= data_end}

    split = churn.split_cutoffs(cutoffs, labelled)

    assert split.test == date(2011, 8, 31)  # the last whose horizon ends by 9 December
    assert split.validation == date(2011, 5, 31)  # horizon ends 29 August, before the test
    assert split.train[-1] == date(2011, 2, 28)  # horizon ends 29 May, before validation
    assert split.train[0] == date(2009, 12, 31)
    assert all(cutoffs[c] <= split.validation for c in split.train)
    assert all(cutoffs[c] <= split.test for c in split.refit)
    assert split.validation in split.refit and split.test not in split.refit
    assert split.final[-1] == split.test
    assert split.scored == data_end


def test_too_little_history_is_a_clear_error_not_a_model():
    cutoffs = {c: c + HORIZON for c in month_ends(date(2011, 1, 1), date(2011, 8, 15))}
    labelled = {c for c, end in cutoffs.items() if end <= date(2011, 8, 15)}
    with pytest.raises(churn.ChurnTrainingError, match="too little history"):
        churn.split_cutoffs(cutoffs, labelled)
    with pytest.raises(churn.ChurnTrainingError, match="no cutoff has a complete horizon"):
        churn.split_cutoffs(cutoffs, set())


def test_auc_is_the_chance_a_churner_outranks_a_stayer():
    label = np.array([1, 1, 0, 0, 0])
    assert churn.auc(np.array([0.9, 0.8, 0.3, 0.2, 0.1]), label) == 1.0
    assert churn.auc(np.array([0.1, 0.2, 0.3, 0.8, 0.9]), label) == 0.0
    # one of the six churner-stayer pairs is out of order; a tie counts half
    assert churn.auc(np.array([0.9, 0.25, 0.3, 0.2, 0.1]), label) == pytest.approx(5 / 6)
    assert churn.auc(np.array([0.5, 0.5, 0.5, 0.5, 0.5]), label) == 0.5


def test_precision_at_the_top_decile_reads_the_highest_scores():
    score = np.arange(20, dtype=float)  # the two highest are rows 18 and 19
    label = np.zeros(20)
    label[[19, 0]] = 1
    assert churn.precision_at_top(score, label) == 0.5
    assert churn.precision_at_top(-score, label) == 0.5  # rows 0 and 1


def test_calibration_compares_predicted_and_actual_by_decile():
    p = np.linspace(0.01, 0.99, 100)
    y = (np.arange(100) >= 90).astype(float)  # only the top tenth churns
    table = churn.calibration(p, y)
    assert [row["decile"] for row in table] == list(range(1, 11))
    assert all(row["customers"] == 10 for row in table)
    assert table[-1]["actual"] == 1.0 and table[0]["actual"] == 0.0
    assert table[0]["predicted"] < table[-1]["predicted"]


def test_the_rule_score_ranks_by_recency_over_the_usual_gap():
    import pandas as pd

    frame = pd.DataFrame({"recency_days": [30, 30, 10], "usual_gap_days": [10.0, 60.0, None]})
    assert list(churn.rule_score(frame)) == [3.0, 0.5, 10.0]  # no gap: taken as one day


def test_drivers_are_the_features_raising_the_risk_most_in_words():
    words = [("long since the last purchase", "bought recently"),
             ("many orders", "few orders"),
             ("country France", "country not France")]  # fmt: skip
    coefficients = np.array([2.0, -1.0, 0.5])
    x = np.array(
        [
            [1.5, -0.5, 1.0],  # contributions 3.0, 0.5, 0.5: recency first; a stable tie
            [-1.0, 2.0, -2.0],  # -2.0, -2.0, -1.0: nothing raises the risk
            [0.1, -3.0, np.nan],  # 0.2, 3.0, missing: few orders, then recency
        ]
    )
    assert churn.explain(x, coefficients, words) == [
        ["long since the last purchase", "few orders", "country France"],
        [],
        ["few orders", "long since the last purchase"],
    ]
    assert churn.explain(x, coefficients, words, n=1)[0] == ["long since the last purchase"]


def test_every_numeric_feature_has_its_words():
    assert [name for name, _ in churn.NUMERIC] == list(churn.WORDS)
