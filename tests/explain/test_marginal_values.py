"""Marginal values agree with finite differences of the pricing LP (the plan's yes/no decisions fixed,
counts continuous) re-solved with one more unit of the limit, where the limit binds."""

from dataclasses import replace

import pytest

import planner
from planner.explain import choices_from_plan, pricing_cost_usd
from planner.pipeline import solve_prepared
from explain_crafted import CRAFTED, NO_LATENCY_VALUES

pytestmark = [pytest.mark.solver, pytest.mark.slow]


def _value(plan, constraint, name):
    table = plan.marginal_values
    row = table[(table["constraint"] == constraint) & (table["name"] == name)]
    assert len(row) == 1, f"no marginal value for {constraint} {name}"
    return float(row["value"].iloc[0]), row["unit"].iloc[0]


def _choices(prepared, plan):
    return choices_from_plan(plan, prepared.inputs.cooling.index)


@pytest.fixture(scope="module")
def gb_10mw(crafted_plans):
    """Great Britain with 10 MW of zone headroom (the crafted grid scenario)."""
    name, sets = CRAFTED["grid"]
    return planner.prepare(planner.load_scenario(name, sets)), crafted_plans["grid"]


def test_zone_headroom_value_matches_one_more_mw(gb_10mw):
    prepared, plan = gb_10mw
    value, unit = _value(plan, "zone_headroom", "GB")
    assert unit == "USD/year per MW" and value > 0
    choices = _choices(prepared, plan)
    base = pricing_cost_usd(prepared.inputs, choices)
    assert base == pytest.approx(plan.metadata["pricing_lp_cost_usd"], rel=1e-7)
    grid = prepared.inputs.grid
    looser = replace(prepared.inputs, grid=replace(grid, zone_headroom_mw=grid.zone_headroom_mw + 1.0))
    difference = base - pricing_cost_usd(looser, choices)
    assert difference == pytest.approx(value, rel=0.05)


def test_headroom_binds_with_its_value_in_binding_constraints(gb_10mw):
    _, plan = gb_10mw
    binding = {(b["constraint"], b["name"]): b for b in plan.metadata["binding_constraints"]}
    headroom = binding[("zone_headroom", "GB")]
    assert headroom["limit"] == 10.0 and 0 <= headroom["slack"] <= 0.01
    assert headroom["value"] == pytest.approx(_value(plan, "zone_headroom", "GB")[0])


def test_export_cap_value_matches_a_looser_cap():
    scenario = planner.load_scenario("india", ["regions.count=2", "policy.rules=diffusion-2025",
                                               "policy.tpp_cap_share=0.5"])
    prepared = planner.prepare(scenario)
    plan = solve_prepared(prepared, explain_options=NO_LATENCY_VALUES)
    value, unit = _value(plan, "export_cap", "national")
    assert unit == "USD/year per TPP" and value > 0
    assert any(b["constraint"] == "export_cap" for b in plan.metadata["binding_constraints"])
    choices = _choices(prepared, plan)
    base = pricing_cost_usd(prepared.inputs, choices)
    step_tpp = 1e6  # one unit of the model's cap row (a million TPP, about 16 H100s)
    policy = prepared.inputs.policy
    looser = replace(prepared.inputs, policy=replace(policy, tpp_cap=policy.tpp_cap + step_tpp))
    difference = (base - pricing_cost_usd(looser, choices)) / step_tpp
    assert difference == pytest.approx(value, rel=0.05)
