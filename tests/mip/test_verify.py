"""verify() re-checks plans independently: a correct plan passes, each hand-broken plan is flagged."""

from dataclasses import replace

import pytest

from known_answers import two_towns
from planner.extract import extract
from planner.mip.build import build_model
from planner.mip.inputs import PolicyLimits
from planner.solve import SolveOptions, solve
from planner.verify import verify

pytestmark = pytest.mark.solver


@pytest.fixture(scope="module")
def solved():
    inputs = two_towns()
    model = build_model(inputs)
    return extract(model, inputs, solve(model, SolveOptions(mip_gap=0.0)), "test"), inputs


def flagged_checks(plan, inputs) -> set[str]:
    return {v.key_path.split("[")[0] for v in verify(plan, inputs).violations}


def test_correct_plan_passes(solved):
    plan, inputs = solved
    result = verify(plan, inputs)
    assert result.ok, str(result)
    assert set(result.checks_run) >= {"demand_balance", "latency", "capacity", "power", "policy", "cost"}


def test_fewer_chips_than_assigned_is_flagged(solved):
    plan, inputs = solved
    fleet = plan.fleet.copy()
    fleet.loc[(fleet["site"] == "A") & (fleet["chip"] == "Y"), "chips"] = 2
    assert "chip_split" in flagged_checks(replace(plan, fleet=fleet), inputs)


def test_serving_beyond_capacity_and_demand_is_flagged(solved):
    plan, inputs = solved
    serving = plan.serving.copy()
    serving.loc[serving["region"] == "North", "tokens_per_s"] *= 1.5
    assert {"capacity", "demand_balance"} <= flagged_checks(replace(plan, serving=serving), inputs)


def test_wrong_objective_is_flagged(solved):
    plan, inputs = solved
    assert flagged_checks(replace(plan, objective_usd=plan.objective_usd * 0.9), inputs) == {"cost"}


def test_serving_out_of_latency_budget_is_flagged(solved):
    plan, inputs = solved
    serving = plan.serving.copy()
    serving.loc[serving["region"] == "South", "site"] = "A"  # 10 degrees of latitude away: ~2,000 km of fibre
    assert "latency" in flagged_checks(replace(plan, serving=serving), inputs)


def test_grid_over_site_limit_and_closed_site_are_flagged(solved):
    plan, inputs = solved
    sites = plan.sites.copy()
    sites.loc["A", "grid_mw"] = 1000.0
    sites.loc["B", "is_open"] = False
    assert {"power", "siting"} <= flagged_checks(replace(plan, sites=sites), inputs)


def test_tpp_cap_breach_is_flagged(solved):
    plan, _ = solved
    capped = two_towns(policy=PolicyLimits(tpp_cap=10_000))  # the plan holds 5 Y = 25,000 TPP
    assert "tpp_cap" in flagged_checks(plan, capped)
