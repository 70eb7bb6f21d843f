"""The Brazil reference scenario: the GTD's seven zones with their published transfer capacities, sites in
the zones their cities belong to, and a verified plan."""

import pytest

import planner
from planner.geo.grid import load_gtd_zonal, zone_of_point
from planner.geo.grid_limits import load_network

# data/grid/PROVENANCE and the GTD's reference values (existing 2023, MW, both directions)
PUBLISHED_MW = {("CW", "SE"): 30821, ("SE", "SO"): 25141, ("CN", "NE"): 8815, ("CN", "SE"): 8000,
                ("CN", "CW"): 6795, ("SE", "WE"): 6300, ("NE", "SE"): 3282, ("CN", "NW"): 2882, ("CW", "NE"): 2188}
SITE_ZONES = {"Barueri": "SE", "Rio-de-Janeiro": "SE", "Eldorado-do-Sul": "SO", "Curitiba": "SO",
              "Fortaleza": "NE", "Salvador": "NE", "Belem": "CN", "Manaus": "NW", "Brasilia": "CW",
              "Porto-Velho": "WE"}


@pytest.mark.unit
def test_brazil_network_is_the_gtd_seven_zones_with_their_capacities():
    network = load_network("gtd_bra")
    assert list(network.zones()) == ["CN", "CW", "NE", "NW", "SE", "SO", "WE"]
    lines = network.lines
    for (a, b), mw in PUBLISHED_MW.items():
        row = lines[((lines.bus0 == a) & (lines.bus1 == b)) | ((lines.bus0 == b) & (lines.bus1 == a))]
        assert len(row) == 1 and row.flow_max_mw.iloc[0] == mw == row.flow_max_reverse_mw.iloc[0], (a, b)
    assert (lines[["flow_max_mw", "flow_max_reverse_mw"]].max(axis=1) > 0).all()  # zero corridors dropped


@pytest.mark.unit
def test_a_country_without_gtd_zones_is_refused_by_name():
    with pytest.raises(planner.PlannerError, match="no sub-national zones.*KEN"):
        load_gtd_zonal("KEN")
    with pytest.raises(planner.PlannerError, match="gtd_bra"):
        planner.load_scenario("brazil", ["grid.network=gtd_ken"])


@pytest.mark.unit
def test_brazil_sites_fall_in_their_cities_zones():
    scenario = planner.load_scenario("brazil")
    sites = {s.name: s for s in scenario.sites}
    network = load_network(scenario.grid.network)
    found = zone_of_point(network, [sites[n].lat for n in SITE_ZONES], [sites[n].lon for n in SITE_ZONES])
    assert dict(zip(SITE_ZONES, found)) == SITE_ZONES
    assert set(scenario.grid.zone_headroom_mw) == set(network.zones())


@pytest.mark.slow
@pytest.mark.solver
def test_brazil_solves_verified_with_zone_limits_and_transfers():
    scenario = planner.load_scenario("brazil", ["regions.count=4", "solver.time_limit_s=120"])
    result = planner.plan(scenario, explain_options=None)  # the explain stage has its own tests
    assert result.metadata["verification"]["ok"], result.metadata["verification"]["violations"]
    zones = result.grid_zones.set_index("zone")
    assert set(zones.index) <= {"CN", "CW", "NE", "NW", "SE", "SO", "WE"} and len(zones) >= 4
    assert (zones["supply_mw"] <= zones["headroom_mw"] + 1e-3).all()
    assert (zones["load_mw"] > zones["headroom_mw"] + 1).any()  # a zone hosts more than its own headroom: imports
    lines = result.grid_lines.set_index("line")
    assert (lines["flow_mw"].abs() > 1).any() and (lines["loading_share"] <= 1 + 1e-6).all()
    assert result.unmet_tokens_per_s < 0.2 * result.demand_tokens_per_s
