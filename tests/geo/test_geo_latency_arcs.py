"""The scenario's latency percentile reaches the arcs: p90 budgets keep fewer, longer-priced region-site pairs."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.errors import ScenarioError
from planner.geo.arcs import serve_arcs
from planner.geo.latency import rtt_matrix_ms
from planner.scenario.load import load_scenario

pytestmark = pytest.mark.unit

REGIONS = pd.DataFrame({"lat": [51.51, 53.48, 55.95, 50.72], "lon": [-0.13, -2.24, -3.19, -3.53]},
                       index=pd.Index(["london", "manchester", "edinburgh", "exeter"], name="region"))
SITES = pd.DataFrame({"lat": [51.50, 53.80, 57.15], "lon": [-0.60, -1.55, -2.09]},
                     index=pd.Index(["slough", "leeds", "aberdeen"], name="site"))


def test_p90_arcs_are_a_subset_with_higher_rtt():
    budgets = pd.Series({"interactive": 12.0, "batch": 1000.0})
    p50 = serve_arcs(REGIONS, SITES, budgets)
    p90 = serve_arcs(REGIONS, SITES, budgets, percentile="p90")
    assert set(p90.index) < set(p50.index)  # strictly fewer pairs meet 12 ms at p90
    assert len(p90.xs("batch", level="service_class")) == len(REGIONS) * len(SITES)
    common = p90.index.intersection(p50.index)
    assert (p90.loc[common, "rtt_ms"] > p50.loc[common, "rtt_ms"]).all()
    expected = rtt_matrix_ms(REGIONS, SITES, percentile="p90")
    for (region, _, site), row in p90.iterrows():
        assert row.rtt_ms == pytest.approx(expected.at[region, site])
        assert row.rtt_ms <= budgets["interactive"] or _ == "batch"


def test_scenario_latency_percentile_defaults_and_checks():
    assert load_scenario("great-britain").latency.budget_percentile == "p50"
    assert load_scenario("great-britain", ["latency.budget_percentile=p90"]).latency.budget_percentile == "p90"
    with pytest.raises(ScenarioError) as caught:
        load_scenario("great-britain", ["latency.budget_percentile=p75"])
    assert any(p.key_path == "latency.budget_percentile" for p in caught.value.problems)
