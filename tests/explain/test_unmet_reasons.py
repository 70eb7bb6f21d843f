"""Each crafted scenario leaves demand unmet for the reason it was built with; strict mode raises
InfeasibleError carrying the same reason and HiGHS's irreducible infeasible subset."""

import pytest

import planner
from explain_crafted import CRAFTED, LOW_DEMAND

pytestmark = pytest.mark.solver


@pytest.mark.parametrize("kind", [k if k == "grid" else pytest.param(k, marks=pytest.mark.slow) for k in CRAFTED])
def test_elastic_plan_names_the_reason(crafted_plans, kind):
    plan = crafted_plans[kind]
    reasons = plan.metadata["unmet_reasons"]
    assert plan.unmet_tokens_per_s > 0 and reasons
    # demand that would be served were the crafted limit lifted gets that limit as its reason; the rest is
    # demand that costs more to serve than its penalty on the chips the scenario allows
    named = [r for r in reasons if r["kind"] != "cost"]
    biggest = max(named, key=lambda r: r["tokens_per_s"])
    assert biggest["kind"] == kind
    assert set(biggest) >= {"region", "service_class", "tokens_per_s", "reason", "constraint"}
    # the reasons account for the unmet demand of the plan
    assert sum(r["tokens_per_s"] for r in reasons) == pytest.approx(plan.unmet_tokens_per_s, rel=1e-6)


@pytest.mark.slow
def test_reason_words_and_constraints(crafted_plans):
    latency = [r for r in crafted_plans["latency_budget"].metadata["unmet_reasons"] if r["kind"] == "latency_budget"]
    assert latency and all(r["service_class"] == "interactive" and "round-trip budget of 1 ms" in r["reason"] for r in latency)
    grid = [r for r in crafted_plans["grid"].metadata["unmet_reasons"] if r["kind"] == "grid"]
    assert grid and all("zone_headroom[GB]" in r["constraint"] for r in grid)
    cap = [r for r in crafted_plans["export_cap"].metadata["unmet_reasons"] if r["kind"] != "cost"]
    assert cap and all(r["constraint"] == "export_tpp_cap" for r in cap)


def test_unmet_reasons_appear_in_the_summary(crafted_plans):
    text = crafted_plans["grid"].summary()
    assert "Why demand is unmet" in text and "zone_headroom[GB]" in text


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(CRAFTED))
def test_strict_mode_raises_with_the_same_reason(kind):
    name, sets = CRAFTED[kind]
    with pytest.raises(planner.InfeasibleError) as raised:
        planner.plan(planner.load_scenario(name, sets), strict=True, explain_options=None)
    error = raised.value
    assert error.reasons and error.reasons[0].kind == kind
    assert error.iis, "the irreducible infeasible subset is carried"
    assert error.reasons[0].reason in str(error)


@pytest.mark.slow
def test_strict_mode_passes_when_all_demand_can_be_met():
    scenario = planner.load_scenario("india", ["regions.count=2", LOW_DEMAND, "service_classes.interactive.rtt_budget_ms=60"])
    plan = planner.plan(scenario, strict=True, explain_options=None)
    assert plan.unmet_tokens_per_s == pytest.approx(0.0, abs=1e-3)
