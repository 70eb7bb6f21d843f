"""Grid networks: textbook PTDFs, DC power flow, the GB and India data, mapping points to buses/zones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.errors import DataError, InputError
from planner.geo import grid as G

pytestmark = pytest.mark.unit


def three_bus(x12: float = 0.1, x13: float = 0.1, x23: float = 0.1) -> G.GridNetwork:
    buses = pd.DataFrame({"lat": [0.0, 0.0, 1.0], "lon": [0.0, 1.0, 0.5], "voltage_kv": 400.0},
                         index=pd.Index([1, 2, 3], name="bus"))
    lines = pd.DataFrame({"bus0": [1, 1, 2], "bus1": [2, 3, 3], "flow_max_mw": [100.0, 100.0, 100.0],
                          "susceptance_pu": [1 / x12, 1 / x13, 1 / x23]},
                         index=pd.Index(["12", "13", "23"], name="line"))
    return G.network_from_tables("three bus", G.GridKind.NODAL, buses, lines)


@pytest.fixture(scope="module")
def gb() -> G.GridNetwork:
    return G.load_gb_nodal()


@pytest.fixture(scope="module")
def india() -> G.GridNetwork:
    return G.load_india_zonal()


def test_three_bus_equal_reactances_textbook_ptdf():
    # Injecting at bus 2 and withdrawing at the slack (bus 1): 2/3 on the direct line, 1/3 via bus 3.
    factors = G.ptdf(three_bus(), slack=1)
    expected = pd.DataFrame({1: [0, 0, 0], 2: [-2 / 3, -1 / 3, 1 / 3], 3: [-1 / 3, -2 / 3, -1 / 3]},
                            index=["12", "13", "23"], dtype=float)
    assert np.allclose(factors.to_numpy(), expected.to_numpy())


def test_three_bus_unequal_reactances_split_inversely_to_path_reactance():
    factors = G.ptdf(three_bus(x12=0.1, x13=0.2, x23=0.3), slack=1)
    # direct path x=0.1, parallel path x=0.5: direct share 0.5/0.6
    assert factors.loc["12", 2] == pytest.approx(-5 / 6)
    assert factors.loc["23", 2] == pytest.approx(1 / 6)


def test_transfer_ptdf_does_not_depend_on_the_slack():
    net = three_bus(0.1, 0.2, 0.3)
    a, b = G.ptdf(net, slack=1), G.ptdf(net, slack=3)
    assert np.allclose(a[2] - a[3], b[2] - b[3])


def test_dc_power_flow_agrees_with_ptdf_and_conserves_power(gb):
    rng = np.random.default_rng(7)
    injection = pd.Series(rng.normal(0, 200, gb.n_buses), index=gb.buses.index)
    injection -= injection.mean()
    flows = G.dc_power_flow(gb, injection)
    assert np.allclose(G.ptdf(gb).to_numpy() @ injection.to_numpy(), flows.to_numpy(), atol=1e-6)
    net_out = pd.concat([flows.groupby(gb.lines.bus0).sum(), -flows.groupby(gb.lines.bus1).sum()])
    assert np.allclose(net_out.groupby(level=0).sum().reindex(gb.buses.index, fill_value=0), injection, atol=1e-6)


def test_line_loading_flags_overloads():
    net = three_bus()
    flows = G.dc_power_flow(net, pd.Series({2: 180.0, 1: -180.0}))
    loading = G.line_loading(net, flows)
    assert loading.loc["12", "flow_mw"] == pytest.approx(-120.0)
    assert loading.loc["12", "loading_share"] == pytest.approx(1.2)
    assert (loading.loading_share > 1).sum() == 1


def test_unknown_injection_bus_is_an_input_error():
    with pytest.raises(InputError, match="not a bus"):
        G.dc_power_flow(three_bus(), pd.Series({99: 1.0}))


def test_gb_is_one_synchronous_system_with_flagged_ratings(gb):
    assert (gb.n_buses, gb.n_lines) == (385, 517)
    assert gb.kind == G.GridKind.NODAL
    import networkx as nx
    assert nx.is_connected(gb.graph)
    assert gb.lines.is_estimate.all() and (gb.lines.flow_max_mw > 0).all() and (gb.lines.susceptance_pu > 0).all()
    northern_ireland = (gb.buses.lon < -5.4) & gb.buses.lat.between(54.0, 55.3)
    assert not northern_ireland.any()
    assert set(gb.lines.branch_type) == {"line", "transformer"}


def test_gb_line_rating_is_0_7_of_thermal_estimate(gb):
    raw = pd.read_csv(G.data_path("grid", "gb_lines.csv"), index_col="line")
    line = gb.lines.loc["11524"]
    assert line.flow_max_mw == pytest.approx(0.7 * raw.loc[11524, "s_nom_mva_est"])
    # 400 kV, 2 circuits, 44.82 km of Al/St 240/40 4-bundle (0.246 ohm/km): x = 5.513 ohm on a 1,600 ohm base
    assert line.susceptance_pu == pytest.approx(1 / (0.246 * 44.82 / 2 / (380.0 ** 2 / 100)))


def test_india_has_five_zones_and_gtd_capacities(india):
    assert list(india.zones()) == ["ER", "NER", "NR", "SR", "WR"]
    pair = india.lines[(india.lines.bus0 == "NR") & (india.lines.bus1 == "WR")]
    assert pair.flow_max_mw.item() == 36720.0
    assert not india.lines.is_estimate.any()
    with pytest.raises(DataError, match="zonal"):
        G.ptdf(india)


def test_india_transport_feasibility(india):
    feasible, flows = G.transport_flows(india, pd.Series({"NR": 5000.0, "SR": -5000.0}))
    assert feasible and flows.abs().max() <= 5000.0
    # NER connects through 2,860 + 3,000 MW only
    feasible, _ = G.transport_flows(india, pd.Series({"NER": 6000.0, "SR": -6000.0}))
    assert not feasible
    # rounding-size supply with no load anywhere (a plan whose zones balance locally): nothing to move
    feasible, flows = G.transport_flows(india, pd.Series({"NR": 1e-9, "SR": 0.0}))
    assert feasible and (flows == 0).all()
    feasible, _ = G.transport_flows(india, pd.Series({"NR": 50.0}))  # supply with nowhere to go
    assert not feasible


def test_zone_of_indian_cities(india):
    cities = {"NR": (28.61, 77.23), "SR": (12.97, 77.59), "WR": (19.08, 72.88), "ER": (22.57, 88.37),
              "NER": (26.17, 91.75)}
    zones = G.zone_of_point(india, [c[0] for c in cities.values()], [c[1] for c in cities.values()])
    assert list(zones) == list(cities)


def test_nearest_bus_respects_minimum_voltage(gb):
    any_bus = G.nearest_bus(gb, 51.5, -0.12)[0]
    high = G.nearest_bus(gb, 51.5, -0.12, min_voltage_kv=380)[0]
    assert gb.buses.voltage_kv[high] >= 380
    assert any_bus in gb.buses.index
    with pytest.raises(InputError):
        G.nearest_bus(gb, 51.5, -0.12, min_voltage_kv=1000)
