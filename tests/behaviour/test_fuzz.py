"""Fuzzing: small valid scenarios always solve (or report unmet demand) and pass their re-check; perturbed
ones are either accepted or rejected with a ScenarioError, never another exception. Examples are kept few
for CI's budget."""

import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from planner.errors import ScenarioError

KEYS = ["year", "country_iso3", "regions.count", "regions.rural_area_share", "demand.adoption_share",
        "demand.agents_per_capita", "demand.classes.agentic.tokens_per_agent_day", "costs.discount_rate",
        "costs.energy_usd_per_mwh", "service_classes.interactive.rtt_budget_ms",
        "service_classes.agentic.max_site_share", "chips.candidates", "chips.lifetime_years", "sites.0.lat",
        "sites.0.max_grid_mw", "sites.1.name", "grid.max_site_mw", "grid.zone_headroom_mw", "policy.tpp_cap_share",
        "cooling.technologies", "solver.mip_gap", "policy.rules", "demand.training"]
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=True),
                 st.text(max_size=12), st.lists(st.integers(-5, 5), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@pytest.mark.slow
@pytest.mark.unit
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), value=JUNK)
def test_perturbed_scenarios_are_accepted_or_rejected_cleanly(key, value):
    text = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
    try:
        planner.load_scenario("great-britain", [f"{key}={text}"])
    except ScenarioError as error:
        assert error.problems and all(p.file and (p.key_path or p.message) for p in error.problems)


@pytest.mark.solver
@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regions=st.integers(1, 4), agents=st.floats(0.0, 3.0), budget_ms=st.floats(4.0, 60.0),
       headroom_mw=st.floats(0.0, 2000.0))
def test_small_valid_scenarios_solve_and_verify(regions, agents, budget_ms, headroom_mw):
    scenario = planner.load_scenario("great-britain", [
        f"regions.count={regions}", f"demand.agents_per_capita={agents}",
        f"service_classes.interactive.rtt_budget_ms={budget_ms}", f"grid.zone_headroom_mw.GB={headroom_mw}",
        "solver.time_limit_s=60"])
    result = planner.plan(scenario)
    assert result.has_solution
    assert result.metadata["verification"]["ok"], result.metadata["verification"]["violations"]
    assert 0 <= result.unmet_tokens_per_s <= result.demand_tokens_per_s * (1 + 1e-9) or math.isnan(
        result.demand_tokens_per_s)
