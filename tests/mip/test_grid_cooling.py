"""Grid limits (zone headroom, contingency, nodal line limits) and cooling choice on hand-checkable cases."""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from known_answers import TWO_TOWNS_OPTIMUM_USD, two_towns
from planner.cooling import load_cooling_technologies, site_cooling_options
from planner.extract import extract
from planner.geo.grid import GridKind, network_from_tables, ptdf
from planner.mip.build import build_model
from planner.mip.inputs import GridInputs
from planner.solve import SolveOptions, solve
from planner.verify import verify

pytestmark = pytest.mark.solver


def solve_inputs(inputs):
    model = build_model(inputs)
    return extract(model, inputs, solve(model, SolveOptions(mip_gap=0.0)), "test")


def zonal(headroom: dict[str, float], max_site_mw=None, site_zone=("Z1", "Z2")) -> GridInputs:
    lines = pd.DataFrame({"from_zone": ["Z1"], "to_zone": ["Z2"], "forward_mw": [0.0], "reverse_mw": [0.0],
                          "loss_cost_usd_per_mw_year": [0.0]},
                         index=pd.Index(["Z1-Z2"], name="line"))
    return GridInputs(kind="zonal", site_zone=pd.Series(list(site_zone), index=["A", "B"]),
                      zone_headroom_mw=pd.Series(headroom).rename_axis("zone"), max_site_mw=max_site_mw,
                      transfer_lines=lines)


def test_site_in_zone_without_headroom_is_never_used():
    inputs = two_towns(grid=zonal({"Z1": 0.0, "Z2": 1.0}))
    plan = solve_inputs(inputs)
    assert not plan.sites.loc["A", "is_open"] and plan.sites.loc["A", "grid_mw"] == 0
    assert plan.unmet.set_index("region").loc["North", "unmet_tokens_per_s"] == pytest.approx(10_000)
    assert plan.sites.loc["B", "is_open"]
    assert verify(plan, inputs).ok


def test_contingency_limit_splits_load_over_two_sites():
    # One region reachable from both sites; 10,000 tokens/s needs 3 Y + 1 X = 7 kW. With a 5 kW limit per site
    # the load must split even though opening a second site costs 100,000 USD/year more.
    base = two_towns(grid=zonal({"Z1": 1.0, "Z2": 1.0}, max_site_mw=0.005, site_zone=("Z1", "Z1")))
    arcs = pd.DataFrame({"rtt_ms": [5.0, 5.0]}, index=pd.MultiIndex.from_tuples(
        [("North", "interactive", "A"), ("North", "interactive", "B")], names=["region", "service_class", "site"]))
    inputs = replace(base, serve_arcs=arcs, demand_tokens_per_s=base.demand_tokens_per_s.loc[["North"]],
                     sites=base.sites.assign(lat=[10.0, 10.0]))  # both sites next to North
    plan = solve_inputs(inputs)
    assert plan.sites["is_open"].all()
    assert (plan.sites["grid_mw"] <= 0.005 + 1e-9).all()
    assert plan.unmet_tokens_per_s == pytest.approx(0.0, abs=1e-6)
    assert verify(plan, inputs).ok
    unlimited = solve_inputs(replace(inputs, grid=None))
    assert unlimited.sites["is_open"].sum() == 1


def three_bus_network():
    """Buses 1 (generation), 2, 3 (sites); equal reactances; line 1-3 limited."""
    buses = pd.DataFrame({"lat": [0.0, 0.0, 1.0], "lon": [0.0, 1.0, 0.0], "voltage_kv": 400.0, "zone": "Z"},
                         index=pd.Index([1, 2, 3], name="bus"))
    lines = pd.DataFrame({"bus0": [1, 1, 2], "bus1": [2, 3, 3], "flow_max_mw": [1.0, 1.0, 1.0],
                          "flow_max_reverse_mw": [1.0, 1.0, 1.0], "susceptance_pu": [10.0, 10.0, 10.0],
                          "length_km": 1.0, "is_estimate": False}, index=pd.Index(["1-2", "1-3", "2-3"], name="line"))
    return network_from_tables("three-bus", GridKind.NODAL, buses, lines)


def nodal(network, site_bus: dict, headroom_mw: float) -> GridInputs:
    factors = ptdf(network)
    weights = pd.Series({1: 1.0}).rename_axis("bus")
    buses = pd.Series(site_bus)
    sensitivity = (factors[weights.index].to_numpy() @ weights.to_numpy())[:, None] - factors[buses.to_numpy()].to_numpy()
    return GridInputs(kind="nodal", site_zone=pd.Series("Z", index=buses.index),
                      zone_headroom_mw=pd.Series({"Z": math.inf}).rename_axis("zone"), site_bus=buses,
                      supply_weights=weights, line_sensitivity=pd.DataFrame(sensitivity, index=factors.index, columns=buses.index),
                      line_headroom_mw=pd.Series(headroom_mw, index=factors.index), network=network)


def test_nodal_line_limit_caps_the_site_load_and_verify_recomputes_flows():
    # Load at bus 3 fed from bus 1: 2/3 flows on line 1-3, 1/3 via 1-2-3. A 4 kW line headroom caps the load
    # at 6 kW; South (at B, bus 2) takes the mirror split and is capped the same way.
    network = three_bus_network()
    inputs = two_towns(grid=nodal(network, {"A": 3, "B": 2}, headroom_mw=0.004))
    plan = solve_inputs(inputs)
    assert plan.sites.loc["A", "grid_mw"] <= 0.006 + 1e-9
    assert verify(plan, inputs).ok
    assert plan.objective_usd > TWO_TOWNS_OPTIMUM_USD
    broken = plan.sites.copy()
    broken.loc["A", "grid_mw"] = 0.009
    flagged = {v.key_path.split("[")[0] for v in verify(replace(plan, sites=broken), inputs).violations}
    assert "line_limit" in flagged


def test_liquid_only_chip_gets_its_own_liquid_hall():
    """Y needs liquid (1 M USD per MW-year of cooling plant), X does not: each site cools only its Y chips with
    liquid. North: 3 Y + 1 X = 85,000 + 7 kW energy 7,000 + 6 kW liquid 6,000 = 98,000 (2 Y + 4 X: 102,000;
    10 X: 110,000); South: 2 Y = 50,000 + 4,000 + 4,000 = 58,000 (6 X: 66,000); optimum 356,000."""
    base = two_towns()
    cooling = pd.concat([base.cooling, base.cooling.rename(index={"air": "liquid"}, level="cooling").assign(
        is_liquid=True, capex_usd_per_mw_year=1e6)]).sort_index()
    inputs = replace(base, cooling=cooling, chips=base.chips.assign(needs_liquid=[False, True]))
    plan = solve_inputs(inputs)
    assert plan.objective_usd == pytest.approx(356_000.0, rel=1e-6)
    halls = plan.cooling_halls.set_index(["site", "cooling"])["it_mw"]
    assert halls.to_dict() == pytest.approx({("A", "air"): 0.001, ("A", "liquid"): 0.006, ("B", "liquid"): 0.004})
    assert plan.sites.loc["A", "cooling"] == "liquid+air"
    assert verify(plan, inputs).ok, str(verify(plan, inputs))
    assert plan.cooling_halls["cooling_cost_usd_per_year"].sum() == pytest.approx(10_000.0)


@pytest.mark.unit
def test_pue_rises_with_climate_and_liquid_beats_air():
    sites = pd.DataFrame({"cdd19_per_year": [30.0, 2500.0]}, index=pd.Index(["cool", "hot"], name="site"))
    options = site_cooling_options(sites, None, annuity=0.1)
    tech = load_cooling_technologies()
    assert options.loc[("cool", "air"), "pue"] == pytest.approx(tech["air"].pue(30.0))
    assert options.loc[("hot", "air"), "pue"] > options.loc[("cool", "air"), "pue"]
    assert (options.xs("direct_liquid", level="cooling")["pue"] < options.xs("air", level="cooling")["pue"]).all()
    assert np.isclose(options.loc[("hot", "direct_liquid"), "capex_usd_per_mw_year"],
                      tech["direct_liquid"].capex_usd_per_mw * 0.1)
