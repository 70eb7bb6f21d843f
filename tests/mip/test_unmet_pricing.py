"""Unmet demand is priced by the tokens it loses over the year, on the class's load-duration curve.

Hand example (``two_towns`` with an unmet price of 40 USD per token/s-year of a class's whole yearly output,
busy hour 2.5 x the daily mean). A tenth of a region's peak unserved loses lost_share(0.1) = 2.12% of its
yearly tokens (``test_load_duration``). North (10,000 tokens/s): 3 Y serve 9,000 for 81,000 USD/year
(75,000 capex + 6 kW) and leave 0.1 of the peak, losing 40 x 10,000 x 0.0212 = 8,480 USD/year: 89,480,
cheaper than serving it all with 3 Y + 1 X (92,000) or 2 Y + 3 X + the same 8,480 (95,480). South (6,000):
2 Y (54,000) beats 1 Y + 2 X with a sixth of the peak lost (49,000 + 40 x 6,000 x 0.0463 = 60,100).
Optimum: 200,000 siting + 89,480 + 54,000 = 343,480 USD/year. Priced at the mean rate (the old pricing),
North's tenth would cost 40,000 and 3 Y + 1 X (346,000 in all) would win.
"""

from dataclasses import replace

import pandas as pd
import pytest

from known_answers import two_towns
from planner.demand.load_duration import CHORD_REL_TOL, lost_share
from planner.extract import extract
from planner.mip.build import build_model
from planner.solve import SolveOptions, solve
from planner.verify import reference_from_inputs, verify

pytestmark = pytest.mark.solver

RATIO = 2.5
PRICE = 40.0


def _solved(ratio: float | None):
    inputs = two_towns(unmet_penalty=PRICE)
    if ratio is not None:
        inputs = replace(inputs, unmet_peak_to_mean_ratio=pd.Series({"interactive": ratio}))
    model = build_model(inputs)
    return inputs, extract(model, inputs, solve(model, SolveOptions(mip_gap=0.0)), "hash")


def test_a_tenth_of_the_peak_left_unserved_costs_the_tokens_it_loses():
    inputs, plan = _solved(RATIO)
    lost_usd = PRICE * 10_000 * float(lost_share(0.1, RATIO))
    assert lost_usd == pytest.approx(8_480, abs=20)
    north = plan.fleet[plan.fleet["site"] == "A"].set_index("chip")["chips"]
    assert north.get("Y", 0) == 3 and north.get("X", 0) == 0
    unmet = plan.unmet.set_index("region")["unmet_tokens_per_s"]
    assert unmet["North"] == pytest.approx(1_000) and unmet["South"] == pytest.approx(0, abs=1e-6)
    penalty = plan.costs.set_index("component").loc["unmet", "usd_per_year"]
    assert lost_usd <= penalty <= lost_usd * (1 + CHORD_REL_TOL)  # the chord lies just above the curve
    assert plan.objective_usd == pytest.approx(200_000 + 81_000 + lost_usd + 54_000, abs=lost_usd * CHORD_REL_TOL)
    assert verify(plan, reference_from_inputs(inputs)).ok


def test_a_flat_load_keeps_the_mean_rate_pricing():
    _, plan = _solved(None)
    assert plan.objective_usd == pytest.approx(346_000)  # 3 Y + 1 X at North: a tenth unserved would cost 40,000


def test_verify_flags_unmet_demand_priced_at_the_mean_rate():
    inputs, plan = _solved(RATIO)
    costs = plan.costs.copy()
    costs.loc[costs["component"] == "unmet", "usd_per_year"] = PRICE * 1_000  # the old pricing of 1,000 tokens/s
    objective = float(costs["usd_per_year"].sum())
    broken = replace(plan, costs=costs, objective_usd=objective)
    result = verify(broken, reference_from_inputs(inputs))
    assert not result.ok
    assert any("unmet" in v.key_path and "tokens the unserved peak loses" in v.message for v in result.violations)
