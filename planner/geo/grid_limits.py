"""From a grid network and the candidate sites to the ``GridInputs`` the MIP enforces.

Nodal grids: each site connects to its nearest bus (at or above a voltage), its new load is supplied by
dispatchable generator buses in proportion to their capacity, and the PTDF gives the flow each MW of site
load adds to every line; lines keep (1 - base_loading_share) of their rating as headroom for that flow.
Zonal grids: each site sits in the zone of its nearest zone centre; a share of each corridor's transfer
capacity is available to new load. Zones missing from ``zone_headroom_mw`` are not limited.
Synchronous areas (data/grid/synchronous_areas.yaml): parts of the country outside the network's main AC
system (Northern Ireland for GB). A site inside one is not on the network: no line flow, its own area's
headroom (keyed by the area's name) and its own contingency limit.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from shapely.geometry import Point, Polygon

from planner.errors import DataError, Problem, ScenarioError
from planner.geo.grid import (GTD_PREFIX, GridKind, GridNetwork, load_gb_nodal, load_gtd_zonal, load_india_zonal,
                              nearest_bus, ptdf, zone_of_point)
from planner.mip.inputs import GridInputs
from planner.resources import data_path
from planner.scenario.schema import GridConfig
from planner.yaml_load import safe_load

NETWORKS = {"gb_nodal": load_gb_nodal, "india_zonal": load_india_zonal}
# Global Transmission Database "Input - Config": HVAC line losses 0.675% per 100 km (data/grid/PROVENANCE.md).
HVAC_LOSS_SHARE_PER_KM = 0.00675 / 100
VARIABLE_TECHNOLOGIES = ("Wind farm", "Solar")


@lru_cache(maxsize=8)
def load_network(name: str) -> GridNetwork:
    """A shipped network by name: ``gb_nodal``, ``india_zonal``, or ``gtd_<iso3>`` (a country's GTD zones)."""
    if name.startswith(GTD_PREFIX):
        return load_gtd_zonal(name[len(GTD_PREFIX):].upper())
    return NETWORKS[name]()


def dispatchable_supply_weights(network: GridNetwork) -> pd.Series:
    """Share of extra supply per bus: dispatchable generator capacity at the bus over the total, from the
    generators of the network in use."""
    generators = network.generators
    generators = generators[~generators["technology"].isin(VARIABLE_TECHNOLOGIES)
                            & generators["bus"].isin(network.buses.index)]
    if generators.empty:
        raise DataError([Problem(network.name, "generators", "a nodal network needs dispatchable generators on "
                                 "its buses to supply new load")])
    capacity = generators.groupby("bus")["capacity_mw"].sum()
    return (capacity / capacity.sum()).rename("supply_share").rename_axis("bus")


@lru_cache(maxsize=4)
def synchronous_areas(network_key: str) -> dict[str, dict]:
    """Areas of ``network_key`` outside its main AC system: name -> polygon (buffered), max_site_mw, description."""
    raw = safe_load(data_path("grid", "synchronous_areas.yaml").read_text(encoding="utf-8")) or {}
    areas = {}
    for name, spec in (raw.get(network_key) or {}).items():
        areas[name] = {"shape": Polygon(spec["polygon"]).buffer(float(spec.get("buffer_deg", 0.0))),
                       "max_site_mw": float(spec["max_site_mw"]), "description": spec.get("description", "")}
    return areas


def site_areas(network_key: str, sites: pd.DataFrame) -> pd.Series:
    """index site: the synchronous area outside the main system the site lies in, or NaN."""
    areas = synchronous_areas(network_key)
    found = {site: next((name for name, area in areas.items() if area["shape"].contains(Point(lon, lat))), None)
             for site, lat, lon in zip(sites.index, sites["lat"], sites["lon"])}
    return pd.Series(found, index=sites.index, dtype=object, name="area")


def _site_nodes(network: GridNetwork, sites: pd.DataFrame, config: GridConfig) -> pd.Series:
    nearest = (nearest_bus(network, sites["lat"].to_numpy(), sites["lon"].to_numpy(), config.min_bus_voltage_kv)
               if network.kind is GridKind.NODAL else zone_of_point(network, sites["lat"].to_numpy(), sites["lon"].to_numpy()))
    given = [None if pd.isna(g) else g for g in sites["grid_node"]]
    nodes = [type(n)(g) if g is not None and _is_node(network, g) else n for g, n in zip(given, nearest)]
    unknown = [(site, g) for site, g in zip(sites.index, given) if g is not None and not _is_node(network, g)]
    if unknown:
        raise ScenarioError([Problem("scenario", f"sites[{site}].grid_node", f"not a bus or zone of {network.name}", g)
                             for site, g in unknown])
    return pd.Series(nodes, index=sites.index, name="node")


def _is_node(network: GridNetwork, name: str) -> bool:
    return any(str(bus) == str(name) for bus in network.buses.index)


def _zone_headroom(network: GridNetwork, config: GridConfig, extra_zones: list[str] = ()) -> pd.Series:
    zones = network.zones().append(pd.Index(list(extra_zones), name="zone"))
    unknown = sorted(set(config.zone_headroom_mw) - set(map(str, zones)))
    if unknown:
        raise ScenarioError([Problem("scenario", f"grid.zone_headroom_mw.{z}", f"not a zone of {network.name}; "
                                     f"zones: {', '.join(map(str, zones))}", z) for z in unknown])
    return pd.Series({z: config.zone_headroom_mw.get(str(z), math.inf) for z in zones}, name="headroom_mw").rename_axis("zone")


def nodal_grid_inputs(network: GridNetwork, sites: pd.DataFrame, config: GridConfig,
                      network_key: str = "") -> GridInputs:
    """Sites in a synchronous area outside the network get no bus (NaN), zero line sensitivity, the area as
    their zone and the area's contingency limit."""
    area = site_areas(network_key, sites) if network_key else pd.Series(None, index=sites.index, dtype=object)
    given = sites["grid_node"].notna() if "grid_node" in sites else pd.Series(False, index=sites.index)
    area = area.where(~given)
    on_network = area.isna()
    site_bus = _site_nodes(network, sites, config).where(on_network)
    weights = dispatchable_supply_weights(network)
    factors = ptdf(network)
    supply_flow = factors[weights.index].to_numpy() @ weights.to_numpy()
    sensitivity = np.zeros((len(factors.index), len(sites)))
    columns = np.flatnonzero(on_network.to_numpy())
    sensitivity[:, columns] = supply_flow[:, None] - factors[site_bus.iloc[columns].to_numpy()].to_numpy()
    rating = np.minimum(network.lines["flow_max_mw"], network.lines.get("flow_max_reverse_mw", network.lines["flow_max_mw"]))
    areas = synchronous_areas(network_key) if network_key else {}
    zone = site_bus.map(network.buses["zone"]).where(on_network, area).rename("zone")
    return GridInputs(kind="nodal", site_zone=zone,
                      zone_headroom_mw=_zone_headroom(network, config, list(areas)), max_site_mw=config.max_site_mw,
                      site_bus=site_bus, supply_weights=weights,
                      line_sensitivity=pd.DataFrame(sensitivity, index=factors.index, columns=sites.index),
                      line_headroom_mw=(rating * (1 - config.base_loading_share)).rename("headroom_mw"),
                      network=network,
                      site_max_mw=area.map({name: a["max_site_mw"] for name, a in areas.items()}).astype(float))


def zonal_grid_inputs(network: GridNetwork, sites: pd.DataFrame, config: GridConfig) -> GridInputs:
    """Transfers lose energy in proportion to corridor length; the loss is priced at the sites' mean energy
    rate, which also keeps flows from wandering between zones at no cost."""
    share = config.transfer_available_share
    lines = network.lines
    loss_share = lines["length_km"].fillna(0.0) * HVAC_LOSS_SHARE_PER_KM
    transfer = pd.DataFrame({"from_zone": lines["bus0"], "to_zone": lines["bus1"],
                             "forward_mw": lines["flow_max_mw"] * share,
                             "reverse_mw": lines["flow_max_reverse_mw"] * share,
                             "loss_cost_usd_per_mw_year": loss_share * float(sites["energy_usd_per_mw_year"].mean())},
                            index=lines.index)
    return GridInputs(kind="zonal", site_zone=_site_nodes(network, sites, config).rename("zone"),
                      zone_headroom_mw=_zone_headroom(network, config), max_site_mw=config.max_site_mw,
                      transfer_lines=transfer, network=network)


def _national_headroom(config: GridConfig) -> pd.Series:
    """Without a network the whole country is one zone, "all"; its headroom may be given under that name."""
    unknown = sorted(set(config.zone_headroom_mw) - {"all"})
    if unknown:
        raise ScenarioError([Problem("scenario", f"grid.zone_headroom_mw.{z}", "without a grid network the "
                                     "country is one zone, named 'all'", z) for z in unknown])
    return pd.Series({"all": config.zone_headroom_mw.get("all", math.inf)}).rename_axis("zone")


def grid_inputs(config: GridConfig, sites: pd.DataFrame) -> GridInputs | None:
    """The grid limits for ``sites``; None when the scenario models no grid and sets no contingency limit."""
    if config.network == "none":
        if config.max_site_mw is None and not config.zone_headroom_mw:
            return None
        return GridInputs(kind="zonal", site_zone=pd.Series("all", index=sites.index, name="zone"),
                          zone_headroom_mw=_national_headroom(config),
                          max_site_mw=config.max_site_mw,
                          transfer_lines=pd.DataFrame(columns=["from_zone", "to_zone", "forward_mw", "reverse_mw",
                                                               "loss_cost_usd_per_mw_year"]))
    network = load_network(config.network)
    if network.kind is GridKind.NODAL:
        return nodal_grid_inputs(network, sites, config, config.network)
    return zonal_grid_inputs(network, sites, config)
