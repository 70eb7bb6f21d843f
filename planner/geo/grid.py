"""Grid networks for siting: buses (or zones), lines with limits, DC power flow and PTDFs.

Two kinds:

* **nodal** (Great Britain): the ENTSO-E map extract processed by GridKit (as shipped in PyPSA-Eur). AC
  lines get their reactance from PyPSA standard line types (x per km x length / circuits) and a rating of
  0.7 x the thermal estimate sqrt(3) x I_nom x V x circuits (PyPSA-Eur's ``s_max_pu`` N-1 margin). Buses
  of one substation are joined by GridKit's derived transformers (x = 0.1 pu on 2,000 MVA, PyPSA-Eur's
  default, rating 2,000 MW). Every one of these ratings is an *estimate*, flagged ``is_estimate``. Only the
  largest synchronous component is kept: Northern Ireland belongs to the all-island Irish system, joined to
  GB only by the Moyle HVDC link. HVDC links (interconnectors, the Western Link, Caithness-Moray) are
  controllable, not governed by impedance, so they sit in ``links`` for reference and stay out of the PTDF.
* **zonal** (India): the five regional grids of the Global Transmission Database (GTD, 2023 existing
  inter-regional transfer capacities). Zones are the buses; flows between them are a transport problem
  (no impedances), so ``ptdf`` refuses a zonal network and ``transport_flows`` checks feasibility instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from planner.errors import DataError, InputError, Problem
from planner.geo.grid_names import GTD_PREFIX, gtd_countries  # noqa: F401 - re-exported
from planner.geo.latency import great_circle_km
from planner.resources import data_path

BASE_MVA = 100.0
LINE_S_MAX_PU = 0.7
TRANSFORMER_X_PU = 0.1
TRANSFORMER_S_NOM_MVA = 2000.0
GB_ZONE = "GB"
_SOURCE_GB = "ENTSO-E map extract 2022 via GridKit / PyPSA-Eur (CC BY 4.0)"
_SOURCE_GTD = "Global Transmission Database v1.0, existing 2023 (MIT)"


class GridKind(StrEnum):
    NODAL = "nodal"
    ZONAL = "zonal"


@dataclass(frozen=True, eq=False)
class GridNetwork:
    """A transmission network: ``buses`` (index ``bus``) and ``lines`` (index ``line``) plus its graph.

    buses: lat, lon, voltage_kv, zone. lines: bus0, bus1, flow_max_mw (bus0 -> bus1),
    flow_max_reverse_mw, susceptance_pu (on ``base_mva``; NaN for zonal), length_km, is_estimate,
    branch_type ("line", "transformer" or "transfer"), source.
    """

    name: str
    kind: GridKind
    buses: pd.DataFrame
    lines: pd.DataFrame
    graph: nx.MultiGraph
    links: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()
    base_mva: float = BASE_MVA
    generators: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["bus", "technology", "capacity_mw"]))
    """Generators on the network's buses (bus, technology, capacity_mw); empty for zonal networks."""

    @property
    def n_buses(self) -> int:
        return len(self.buses)

    @property
    def n_lines(self) -> int:
        return len(self.lines)

    def zones(self) -> pd.Index:
        return pd.Index(sorted(self.buses["zone"].unique()), name="zone")

    def summary(self) -> dict[str, object]:
        """Sizes and data-quality counts, for reports."""
        return {"name": self.name, "kind": str(self.kind), "buses": self.n_buses, "lines": self.n_lines,
                "estimated_ratings": int(self.lines["is_estimate"].sum()), "links": len(self.links),
                "zones": len(self.zones())}


def network_from_tables(name: str, kind: GridKind, buses: pd.DataFrame, lines: pd.DataFrame, *,
                        links: pd.DataFrame | None = None, notes: tuple[str, ...] = ()) -> GridNetwork:
    """Assemble a network from tidy tables (fills optional columns) and build its graph."""
    buses = buses.rename_axis("bus")
    lines = lines.rename_axis("line").copy()
    defaults = {"flow_max_reverse_mw": lines.get("flow_max_mw"), "susceptance_pu": np.nan, "length_km": np.nan,
                "is_estimate": False, "branch_type": "line", "source": ""}
    for column, default in defaults.items():
        if column not in lines:
            lines[column] = default
    lines["is_estimate"] = lines["is_estimate"].astype(bool)
    if "zone" not in buses:
        buses = buses.assign(zone=buses.index.astype(str))
    graph = nx.MultiGraph(name=name)
    graph.add_nodes_from((b, {"lat": r.lat, "lon": r.lon}) for b, r in buses.iterrows())
    graph.add_edges_from((r.bus0, r.bus1, k, {"length_km": r.length_km, "flow_max_mw": r.flow_max_mw})
                         for k, r in lines.iterrows())
    return GridNetwork(name, kind, buses, lines, graph, links if links is not None else pd.DataFrame(), notes)


# --- loaders ------------------------------------------------------------------------------------------------

def _read(path: Path, **kwargs) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **kwargs)
    except (OSError, ValueError) as error:
        raise DataError([Problem(str(path), "", f"cannot read grid table: {error}")]) from error


def _gb_ac_lines(lines: pd.DataFrame, types: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Reactance, susceptance and the estimated rating of each AC line."""
    problems = [Problem(str(path), f"line {k}", "unknown line_type", t)
                for k, t in lines.line_type.items() if t not in types.index]
    problems += [Problem(str(path), f"line {k}", "length_km and circuits must be positive",
                         (r.length_km, r.circuits)) for k, r in lines.iterrows() if not (r.length_km > 0 < r.circuits)]
    if problems:
        raise DataError(problems)
    x_ohm = types.x_ohm_per_km.reindex(lines.line_type).to_numpy() * lines.length_km / lines.circuits
    x_pu = x_ohm / (lines.voltage_kv ** 2 / BASE_MVA)
    rating = LINE_S_MAX_PU * lines.s_nom_mva_est
    return pd.DataFrame({"bus0": lines.bus0, "bus1": lines.bus1, "flow_max_mw": rating, "flow_max_reverse_mw": rating,
                         "susceptance_pu": 1.0 / x_pu, "length_km": lines.length_km, "is_estimate": True,
                         "branch_type": "line", "source": _SOURCE_GB})


def _gb_transformers(transformers: pd.DataFrame, buses: pd.DataFrame) -> pd.DataFrame:
    """Inter-voltage couplings inside a substation (GridKit derives them; ratings are PyPSA-Eur defaults)."""
    x_pu = TRANSFORMER_X_PU * BASE_MVA / TRANSFORMER_S_NOM_MVA
    ends0, ends1 = buses.loc[transformers.bus0], buses.loc[transformers.bus1]
    length = great_circle_km(ends0.lat.to_numpy(), ends0.lon.to_numpy(), ends1.lat.to_numpy(), ends1.lon.to_numpy())
    index = pd.Index("T" + transformers.transformer.astype(str), name="line")
    return pd.DataFrame({"bus0": transformers.bus0.to_numpy(), "bus1": transformers.bus1.to_numpy(),
                         "flow_max_mw": TRANSFORMER_S_NOM_MVA, "flow_max_reverse_mw": TRANSFORMER_S_NOM_MVA,
                         "susceptance_pu": 1.0 / x_pu, "length_km": length, "is_estimate": True,
                         "branch_type": "transformer", "source": _SOURCE_GB}, index=index)


def _main_component(buses: pd.DataFrame, lines: pd.DataFrame) -> set:
    graph = nx.MultiGraph()
    graph.add_nodes_from(buses.index)
    graph.add_edges_from(zip(lines.bus0, lines.bus1))
    return max(nx.connected_components(graph), key=len)


def load_gb_nodal(folder: Path | str | None = None) -> GridNetwork:
    """Great Britain's transmission grid, main synchronous component, from ``data/grid/gb_*.csv``."""
    folder = Path(folder) if folder is not None else data_path("grid")
    all_buses = _read(folder / "gb_buses.csv", index_col="bus")
    types = _read(folder / "line_types.csv", index_col="name")
    raw_lines = _read(folder / "gb_lines.csv")
    ac_buses = all_buses[~all_buses.dc.astype(bool) & all_buses.country.eq("GBR")].assign(zone=GB_ZONE)
    lines = _gb_ac_lines(raw_lines.set_index("line"), types, folder / "gb_lines.csv")
    transformers = _read(folder / "gb_transformers.csv")
    transformers = transformers[transformers.bus0.isin(ac_buses.index) & transformers.bus1.isin(ac_buses.index)]
    lines = pd.concat([lines.set_axis(lines.index.astype(str)), _gb_transformers(transformers, ac_buses)])
    lines = lines[lines.bus0.isin(ac_buses.index) & lines.bus1.isin(ac_buses.index)]
    keep = _main_component(ac_buses, lines)
    buses = ac_buses[ac_buses.index.isin(keep)][["lat", "lon", "voltage_kv", "zone", "symbol", "station_id"]]
    kept_lines = lines[lines.bus0.isin(keep)]
    notes = (f"kept the main synchronous component: {len(buses)} of {len(ac_buses)} AC buses, "
             f"{len(kept_lines)} of {len(lines)} branches; the rest is Northern Ireland (all-island Irish "
             "system) and fragments the map extract leaves unconnected",
             "all line and transformer ratings are estimates (PyPSA line types, s_max_pu 0.7), not TSO ratings",
             "HVDC links are listed in links and excluded from DC power flow (they are controllable)")
    network = network_from_tables("GB nodal", GridKind.NODAL, buses, kept_lines,
                                  links=_read(folder / "gb_links.csv", index_col="link"), notes=notes)
    generators = _read(folder / "gb_generators.csv")
    return replace(network, generators=generators[generators["bus"].isin(buses.index)].reset_index(drop=True))


def load_india_zonal(folder: Path | str | None = None) -> GridNetwork:
    """India's five regional grids (NR, WR, SR, ER, NER) and their 2023 existing transfer capacities (GTD)."""
    folder = Path(folder) if folder is not None else data_path("grid")
    zones = _read(folder / "india_zones.csv", index_col="zone")
    buses = zones.assign(voltage_kv=np.nan, zone=zones.index)
    lines = _read(folder / "india_lines.csv", index_col="line")
    unknown = sorted((set(lines.bus0) | set(lines.bus1)) - set(buses.index))
    if unknown:
        raise DataError([Problem(str(folder / "india_lines.csv"), "bus0/bus1", "unknown zone", z) for z in unknown])
    lines = lines.assign(susceptance_pu=np.nan, is_estimate=False, branch_type="transfer",
                         source=_SOURCE_GTD + ": " + lines.source.fillna(""))
    notes = ("zones are GTD regional grids; transfer capacities are GTD 2023 existing values (CEA/POWERGRID "
             "sources), not estimates; cross-border links (Bhutan, Nepal, Bangladesh) are left out",)
    return network_from_tables("India zonal", GridKind.ZONAL, buses, lines, notes=notes)


def load_gtd_zonal(iso3: str, folder: Path | str | None = None) -> GridNetwork:
    """A country's sub-national GTD zones and the 2023 existing transfer capacities between them."""
    folder = Path(folder) if folder is not None else data_path("grid")
    zones = _read(folder / "gtd_zones.csv", keep_default_na=False, na_values=[""])
    zones = zones[zones["country"] == iso3].set_index("zone").drop(columns="country")
    if zones.empty:
        raise DataError([Problem(str(folder / "gtd_zones.csv"), "country", "the GTD has no sub-national zones for "
                                 f"this country; countries with zones: {', '.join(gtd_countries(folder))}", iso3)])
    buses = zones.assign(voltage_kv=np.nan, zone=zones.index)
    lines = _read(folder / "gtd_lines.csv", keep_default_na=False, na_values=[""])
    lines = lines[lines["country"] == iso3].set_index("line").drop(columns="country")
    unknown = sorted((set(lines.bus0) | set(lines.bus1)) - set(buses.index))
    if unknown:
        raise DataError([Problem(str(folder / "gtd_lines.csv"), "bus0/bus1", "unknown zone", z) for z in unknown])
    lines = lines.assign(susceptance_pu=np.nan, is_estimate=False, branch_type="transfer",
                         source=_SOURCE_GTD + ": " + lines.source.fillna(""))
    notes = (f"zones are the GTD's {len(buses)} sub-national regions of {iso3}, placed at the GTD's centre points; "
             "transfer capacities are GTD 2023 existing values, not estimates; cross-border links are left out",)
    return network_from_tables(f"{iso3} zonal (GTD)", GridKind.ZONAL, buses, lines, notes=notes)


# --- power flow -----------------------------------------------------------------------------------------

def _require_nodal(network: GridNetwork) -> None:
    if network.kind != GridKind.NODAL or network.lines.susceptance_pu.isna().any():
        raise DataError([Problem(network.name, "lines.susceptance_pu",
                                 "DC power flow needs line susceptances; a zonal network has transfer capacities "
                                 "only (use transport_flows)")])


def _incidence(network: GridNetwork) -> np.ndarray:
    """Line x bus incidence: +1 at bus0, -1 at bus1."""
    position = pd.Series(np.arange(network.n_buses), index=network.buses.index)
    rows = np.arange(network.n_lines)
    matrix = np.zeros((network.n_lines, network.n_buses))
    matrix[rows, position.loc[network.lines.bus0].to_numpy()] = 1.0
    matrix[rows, position.loc[network.lines.bus1].to_numpy()] -= 1.0
    return matrix


def default_slack(network: GridNetwork) -> object:
    """The bus with the largest total susceptance: a strong node, and deterministic."""
    lines = network.lines
    strength = pd.concat([lines.groupby("bus0").susceptance_pu.sum(), lines.groupby("bus1").susceptance_pu.sum()])
    return strength.groupby(level=0).sum().idxmax()


def ptdf(network: GridNetwork, slack: object | None = None) -> pd.DataFrame:
    """Power transfer distribution factors (lines x buses): MW on each line per MW injected at a bus and
    withdrawn at the slack. Flows of balanced injections do not depend on the slack choice.

    PTDF = B_f[:, ~s] B_bus[~s, ~s]^-1 with B_f = diag(b) C and B_bus = C' diag(b) C; the slack column is 0.
    Dense numpy: GB (385 buses) takes milliseconds.
    """
    _require_nodal(network)
    slack = default_slack(network) if slack is None else slack
    if slack not in network.buses.index:
        raise InputError([Problem(network.name, "slack", "not a bus of the network", slack)])
    incidence = _incidence(network)
    b_f = incidence * network.lines.susceptance_pu.to_numpy()[:, None]
    b_bus = incidence.T @ b_f
    keep = network.buses.index != slack
    factors = np.zeros((network.n_lines, network.n_buses))
    factors[:, keep] = np.linalg.solve(b_bus[np.ix_(keep, keep)], b_f[:, keep].T).T
    return pd.DataFrame(factors, index=network.lines.index, columns=network.buses.index)


def _injection_vector(network: GridNetwork, injections_mw: pd.Series) -> np.ndarray:
    unknown = injections_mw.index.difference(network.buses.index)
    if len(unknown):
        raise InputError([Problem(network.name, "injections_mw", "not a bus of the network", b) for b in unknown])
    return injections_mw.reindex(network.buses.index, fill_value=0.0).to_numpy(float)


def dc_power_flow(network: GridNetwork, injections_mw: pd.Series, slack: object | None = None) -> pd.Series:
    """Line flows (MW, positive bus0 -> bus1) from net injections per bus, by solving B theta = p.

    Independent of ``ptdf`` and of any MIP, so plans can be re-checked with it. Any imbalance in the
    injections is taken up at the slack bus.
    """
    _require_nodal(network)
    slack = default_slack(network) if slack is None else slack
    injection = _injection_vector(network, injections_mw)
    incidence = _incidence(network)
    susceptance = network.lines.susceptance_pu.to_numpy()
    b_bus = incidence.T @ (incidence * susceptance[:, None])
    keep = network.buses.index != slack
    theta = np.zeros(network.n_buses)
    theta[keep] = np.linalg.solve(b_bus[np.ix_(keep, keep)], injection[keep])
    return pd.Series(susceptance * (incidence @ theta), index=network.lines.index, name="flow_mw")


def line_loading(network: GridNetwork, flows_mw: pd.Series) -> pd.DataFrame:
    """Flow, limit in its direction, and loading share of each line; ``loading_share > 1`` is a violation."""
    lines = network.lines
    limit = np.where(flows_mw >= 0, lines.flow_max_mw, lines.flow_max_reverse_mw)
    return pd.DataFrame({"flow_mw": flows_mw, "limit_mw": limit, "loading_share": flows_mw.abs() / limit,
                         "is_estimate": lines.is_estimate}, index=lines.index)


def transport_flows(network: GridNetwork, injections_mw: pd.Series) -> tuple[bool, pd.Series]:
    """Whether net injections can be moved within transfer capacities (max flow), and one such routing.

    Returns (feasible, flows_mw per line, positive bus0 -> bus1). Works for zonal and nodal networks; for a
    nodal one it ignores physics (an upper bound on what DC power flow allows).
    """
    injection = pd.Series(_injection_vector(network, injections_mw), index=network.buses.index)
    flow_graph = nx.DiGraph()
    for key, line in network.lines.iterrows():
        directions = ((line.bus0, line.bus1, line.flow_max_mw), (line.bus1, line.bus0, line.flow_max_reverse_mw))
        for tail, head, cap in directions:
            previous = flow_graph.get_edge_data(tail, head, {"capacity": 0.0})["capacity"]
            flow_graph.add_edge(tail, head, capacity=previous + cap)
    for bus, value in injection.items():
        if value > 0:
            flow_graph.add_edge("_source", bus, capacity=value)
        elif value < 0:
            flow_graph.add_edge(bus, "_sink", capacity=-value)
    supply, demand = injection[injection > 0].sum(), -injection[injection < 0].sum()
    balanced = abs(injection.sum()) <= 1e-6 * max(supply, 1.0)
    if supply == 0 or demand == 0:  # nothing to move (an imbalance of rounding size at most)
        return balanced, pd.Series(0.0, index=network.lines.index, name="flow_mw")
    value, routing = nx.maximum_flow(flow_graph, "_source", "_sink")
    net = {}
    for key, line in network.lines.iterrows():  # split a pair's net flow over parallel lines by capacity
        pair = routing.get(line.bus0, {}).get(line.bus1, 0.0) - routing.get(line.bus1, {}).get(line.bus0, 0.0)
        tail, head = (line.bus0, line.bus1) if pair >= 0 else (line.bus1, line.bus0)
        total = flow_graph[tail][head]["capacity"]
        own = line.flow_max_mw if pair >= 0 else line.flow_max_reverse_mw
        net[key] = pair * own / total if total > 0 else 0.0
    return bool(balanced and value >= supply * (1 - 1e-9)), pd.Series(net, name="flow_mw").rename_axis("line")


# --- mapping points to the grid -----------------------------------------------------------------------

def nearest_bus(network: GridNetwork, lat, lon, min_voltage_kv: float | None = None) -> np.ndarray:
    """Id of the nearest bus (great circle) for each point, optionally among buses >= ``min_voltage_kv``."""
    buses = network.buses
    if min_voltage_kv is not None:
        buses = buses[buses.voltage_kv >= min_voltage_kv]
        if buses.empty:
            raise InputError([Problem(network.name, "min_voltage_kv", "no bus at or above this voltage",
                                      min_voltage_kv)])
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    distance = great_circle_km(lat[:, None], lon[:, None], buses.lat.to_numpy()[None, :], buses.lon.to_numpy()[None, :])
    return buses.index.to_numpy()[distance.argmin(axis=1)]


def zone_of_point(network: GridNetwork, lat, lon) -> np.ndarray:
    """Zone of each point: the zone of its nearest bus (for a zonal grid, the nearest zone centroid).

    Nearest centroid is an approximation near zone borders (e.g. eastern Madhya Pradesh); it never leaves a
    point without a zone.
    """
    return network.buses.zone.loc[nearest_bus(network, lat, lon)].to_numpy()
