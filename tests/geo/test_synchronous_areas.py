"""Northern Ireland is its own synchronous area on the GB nodal grid: no bus, no line flow, its own
headroom and contingency limit; generator weights come from the network in use."""

import pytest

import planner
from planner.geo.grid_limits import dispatchable_supply_weights, grid_inputs, load_network
from planner.geo.sites import candidate_sites

pytestmark = pytest.mark.unit


def test_belfast_sits_in_the_all_island_area():
    scenario = planner.load_scenario("great-britain")
    grid = grid_inputs(scenario.grid, candidate_sites(scenario))
    assert grid.site_zone["Belfast"] == "NI" and grid.site_zone["Glasgow"] == "GB"
    assert grid.site_max_mw["Belfast"] == 500.0 and grid.site_max_mw.drop("Belfast").isna().all()
    assert grid.zone_headroom_mw["NI"] == 150.0
    assert grid.line_sensitivity["Belfast"].abs().max() == 0.0
    assert grid.line_sensitivity["Glasgow"].abs().max() > 0.0


def test_supply_weights_come_from_the_network_generators():
    network = load_network("gb_nodal")
    weights = dispatchable_supply_weights(network)
    assert weights.sum() == pytest.approx(1.0)
    assert set(weights.index) <= set(network.buses.index) and set(weights.index) <= set(network.generators["bus"])
