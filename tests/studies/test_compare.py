"""Pareto fronts, percentiles and the monotonicity check on hand-made result tables."""

import numpy as np
import pandas as pd
import pytest

from planner.commands.sweep import progress_line
from planner.studies import Progress, comparison_table, monotone_violations, pareto_front, percentiles

pytestmark = pytest.mark.unit


def _table(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"state": ["optimal"] * n, **columns})


def test_pareto_front_keeps_exactly_the_non_dominated_rows():
    # cost against controlled share: rows 2 (dominated by 1), 4 (tie with 3 on share, dearer) and 5 (failed) drop
    table = _table(cost=[10.0, 12.0, 13.0, 20.0, 21.0, 1.0], share=[1.0, 0.5, 0.6, 0.0, 0.0, 0.0])
    table.loc[5, "state"] = "failed"
    front = pareto_front(table, {"cost": "min", "share": "min"})
    assert list(front.index) == [0, 1, 3]
    maximised = pareto_front(table, {"cost": "min", "share": "max"})
    assert list(maximised.index) == [0]


def test_pareto_front_of_random_points_matches_brute_force():
    rng = np.random.default_rng(0)
    table = _table(a=rng.random(60).round(1), b=rng.random(60).round(1))
    front = set(pareto_front(table, {"a": "min", "b": "min"}).index)
    for i, row in table.iterrows():
        no_worse = (table["a"] <= row.a) & (table["b"] <= row.b)
        dominated = (no_worse & ((table["a"] < row.a) | (table["b"] < row.b))).any()
        assert (i in front) == (not dominated)


def test_percentiles_match_numpy_and_group():
    values = np.arange(1.0, 101.0)
    table = _table(objective_usd=values, policy=["a", "b"] * 50)
    summary = percentiles(table, ["objective_usd"], q=(5, 50, 95))
    assert summary.loc["objective_usd", "p50"] == np.percentile(values, 50)
    assert summary.loc["objective_usd", "p5"] == np.percentile(values, 5)
    assert summary.loc["objective_usd", "count"] == 100
    grouped = percentiles(table, ["objective_usd"], q=(50,), by="policy")
    assert grouped.loc[("a", "objective_usd"), "p50"] == np.median(values[::2])


def test_monotone_violations_find_a_cheaper_tighter_cap():
    table = _table(tpp_cap=[np.nan, 100.0, 50.0, 0.0], objective_usd=[1.0, 2.0, 3.0, 4.0],
                   bound_usd=[0.99, 1.98, 2.97, 3.96])
    assert monotone_violations(table, "tpp_cap").empty
    table.loc[2, "objective_usd"] = 1.5  # below the looser cap's proven bound 1.98
    assert list(monotone_violations(table, "tpp_cap").index) == [2]
    assert not monotone_violations(table.assign(tpp_cap=-table["tpp_cap"]), "tpp_cap", tighter="higher").empty


def test_comparison_table_is_indexed_by_parameters():
    table = _table(x=[2, 1], cost=[5.0, 4.0])
    assert list(comparison_table(table, ["x"], ["cost"])["cost"]) == [4.0, 5.0]


def test_progress_line_shows_counts_and_eta():
    line = progress_line(Progress(total=20, done=12, failed=1, running=2, resumed=3, elapsed_s=65, eta_s=40))
    assert line.startswith("[" + "#" * 15 + "." * 9 + "]")
    assert "12/20 done, 1 failed, 2 running, 3 resumed, 1m05s elapsed, ETA 0m40s" in line
