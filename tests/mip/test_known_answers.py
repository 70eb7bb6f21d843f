import math

import pandas as pd

import pytest

from known_answers import TWO_TOWNS_ALL_UNMET_OPTIMUM_USD, TWO_TOWNS_OPTIMUM_USD, two_towns
from planner.extract import extract
from planner.mip.build import build_model
from planner.mip.inputs import PolicyLimits
from planner.solve import SolveOptions, Termination, solve
from planner.verify import verify

pytestmark = pytest.mark.solver


def solve_inputs(inputs):
    model = build_model(inputs)
    outcome = solve(model, SolveOptions(time_limit_s=30, mip_gap=0.0))
    return extract(model, inputs, outcome, scenario_hash="test"), outcome


def test_two_towns_optimum_and_fleet():
    plan, outcome = solve_inputs(two_towns())
    assert outcome.termination is Termination.OPTIMAL
    assert plan.objective_usd == pytest.approx(TWO_TOWNS_OPTIMUM_USD, abs=1e-3)
    fleet = plan.fleet.set_index(["site", "chip"])["chips"].to_dict()
    assert fleet == {("A", "X"): 1, ("A", "Y"): 3, ("B", "Y"): 2}
    assert plan.unmet_tokens_per_s == pytest.approx(0.0, abs=1e-6)
    assert verify(plan, two_towns()).ok


def test_cheap_penalty_leaves_everything_unmet_and_reports_it():
    inputs = two_towns(unmet_penalty=10.0)
    plan, _ = solve_inputs(inputs)
    assert plan.objective_usd == pytest.approx(TWO_TOWNS_ALL_UNMET_OPTIMUM_USD, abs=1e-3)
    assert plan.unmet_tokens_per_s == pytest.approx(16_000.0)
    assert not plan.sites["is_open"].any()
    assert verify(plan, inputs).ok


def test_site_power_limit_binds():
    # B may connect only 3 kW: 1 Y + 1 X (3,000 + 1,000 tokens/s), the remaining 2,000 tokens/s stay unmet.
    inputs = two_towns(max_grid_mw=(100.0, 0.003))
    plan, _ = solve_inputs(inputs)
    south = plan.unmet.set_index("region").loc["South", "unmet_tokens_per_s"]
    assert south == pytest.approx(2000.0, abs=1e-6)
    # North 92,000 + 100,000; South: 100,000 + 35,000 capex + 3,000 energy + 2,000 x 100 penalty
    assert plan.objective_usd == pytest.approx(192_000 + 138_000 + 200_000, abs=1e-3)
    assert verify(plan, inputs).ok


def test_cost_components_match_the_hand_optimum():
    """Each component against the hand computation (not their sum against the objective, which holds by
    construction): sites 200,000; chips 3 Y + 1 X + 2 Y = 135,000; energy 11 kW x 1 M USD/MW-year = 11,000."""
    plan, _ = solve_inputs(two_towns())
    costs = plan.costs.set_index("component")
    assert costs.loc["siting", "usd_per_year"] == pytest.approx(200_000.0)
    assert costs.loc["fleet", "usd_per_year"] == pytest.approx(135_000.0)
    assert costs.loc["energy", "usd_per_year"] == pytest.approx(11_000.0)
    assert plan.cost_usd_per_year == pytest.approx(346_000.0) and plan.penalty_usd_per_year == pytest.approx(0.0)
    assert set(costs.index[costs["kind"] == "penalty"]) == {"unmet"}


def test_tpp_cap_forces_uncontrolled_chips():
    # Y (5,000 TPP, capped) limited to 10,000 TPP = 2 chips: best use is South's 2 Y; North takes 10 X.
    inputs = two_towns(policy=PolicyLimits(tpp_cap=10_000))
    plan, _ = solve_inputs(inputs)
    assert plan.chips_by_type().to_dict() == {"X": 10, "Y": 2}
    assert plan.objective_usd == pytest.approx(200_000 + 110_000 + 54_000, abs=1e-3)
    assert verify(plan, inputs).ok


def test_zero_cap_and_supply_limit():
    inputs = two_towns(policy=PolicyLimits(tpp_cap=0.0, chip_supply_limit=pd.Series({"X": 12.0})))
    plan, _ = solve_inputs(inputs)
    assert plan.chips_by_type().to_dict() == {"X": 12}
    assert plan.unmet_tokens_per_s == pytest.approx(4000.0)
    assert verify(plan, inputs).ok


def test_sovereignty_floor_shifts_capacity_to_uncontrolled_chips():
    inputs = two_towns(policy=PolicyLimits(min_uncontrolled_share=0.5))
    plan, _ = solve_inputs(inputs)
    allocation = plan.allocation.assign(
        capacity=plan.allocation["chips_serving"] * plan.allocation["chip"].map({"X": 1e3, "Y": 3e3}))
    uncontrolled = allocation.loc[allocation["chip"] == "X", "capacity"].sum()
    assert uncontrolled >= 0.5 * allocation["capacity"].sum() - 1e-6
    assert plan.objective_usd > TWO_TOWNS_OPTIMUM_USD
    assert verify(plan, inputs).ok
