"""Scenario knobs through the pipeline: chip price overrides, nearest-site neighbourhoods, GB grid re-check."""

import pytest

import planner
from planner.chips import purchasable_chips
from planner.catalog import load_catalog
from planner.catalog.policy import resolve_policy

pytestmark = pytest.mark.solver


@pytest.mark.unit
def test_price_override_makes_an_unpriced_chip_purchasable():
    base = planner.load_scenario("great-britain")
    catalog = load_catalog()
    policy = resolve_policy(catalog, "GBR", base.effective_policy_date)
    assert "H100-NVL" not in purchasable_chips(catalog, policy, base).index  # no catalog price
    quoted = planner.load_scenario("great-britain", ["chips.price_usd={H100 NVL: 20000}"])
    chips = purchasable_chips(catalog, policy, quoted)
    assert "H100-NVL" in chips.index
    assert chips.at["H100-NVL", "price_usd"] == 20000


@pytest.mark.slow
def test_nearest_site_neighbourhood_limits_arcs():
    overrides = ["regions.count=8", "service_classes.agentic.max_candidate_sites=2"]
    prepared = planner.prepare(planner.load_scenario("great-britain", overrides))
    per_region = prepared.inputs.serve_arcs.xs("agentic", level="service_class").groupby(level="region").size()
    assert per_region.max() <= 2
    full = planner.prepare(planner.load_scenario("great-britain", ["regions.count=8"]))
    assert len(full.inputs.serve_arcs.xs("agentic", level="service_class")) > per_region.sum()


@pytest.mark.slow
def test_gb_plan_respects_every_line_limit_by_independent_power_flow():
    result = planner.plan(planner.load_scenario("great-britain", ["regions.count=8"]))
    verification = result.metadata["verification"]
    assert verification["ok"], verification["violations"]
    assert "grid" in verification["checks"]
    assert not result.grid_lines.empty
    assert (result.grid_lines["loading_share"] <= 1 + 1e-6).all()
    assert result.grid_lines["rating_is_estimate"].all()  # GridKit ratings are estimates, and the plan says so


@pytest.mark.slow
def test_sites_from_cloud_metros_and_substations_are_planned_and_verified():
    scenario = planner.load_scenario("great-britain", ["regions.count=6", "sites=[]",
                                                       "site_sources={cloud_metros: true, substations: 4}"])
    result = planner.plan(scenario)
    names = set(result.sites.index)
    assert {"cloud:London", "cloud:Cardiff"} <= names
    assert sum(name.startswith("substation:") for name in names) == 4
    assert result.metadata["verification"]["ok"], result.metadata["verification"]["violations"]


@pytest.mark.unit
def test_no_sites_at_all_and_substations_without_nodal_grid_are_reported():
    with pytest.raises(planner.ScenarioError, match="no candidate sites"):
        planner.load_scenario("great-britain", ["sites=[]"])
    scenario = planner.load_scenario("india", ["site_sources={substations: 3}"])
    with pytest.raises(planner.ScenarioError, match="nodal"):
        planner.prepare(scenario)
