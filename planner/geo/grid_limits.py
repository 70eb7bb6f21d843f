"""From a grid network and the candidate sites to the ``GridInputs`` the MIP enforces.

Nodal grids: each site connects to its nearest bus (at or above a voltage), its new load is supplied by
dispatchable generator buses in proportion to their capacity, and the PTDF gives the flow each MW of site
load adds to every line; lines keep (1 - base_loading_share) of their rating as headroom for that flow.
Zonal grids: each site sits in the zone of its nearest zone centre; a share of each corridor's transfer
capacity is available to new load. Zones missing from ``zone_headroom_mw`` are not limited.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from planner.errors import Problem, ScenarioError
from planner.geo.grid import GridKind, GridNetwork, load_gb_nodal, load_india_zonal, nearest_bus, ptdf, zone_of_point
from planner.mip.inputs import GridInputs
from planner.resources import data_path
from planner.scenario.schema import GridConfig

NETWORKS = {"gb_nodal": load_gb_nodal, "india_zonal": load_india_zonal}
# Global Transmission Database "Input - Config": HVAC line losses 0.675% per 100 km (data/grid/PROVENANCE.md).
HVAC_LOSS_SHARE_PER_KM = 0.00675 / 100
VARIABLE_TECHNOLOGIES = ("Wind farm", "Solar")


@lru_cache(maxsize=4)
def load_network(name: str) -> GridNetwork:
    return NETWORKS[name]()


def dispatchable_supply_weights(network: GridNetwork) -> pd.Series:
    """Share of extra supply per bus: dispatchable generator capacity at the bus over the total."""
    generators = pd.read_csv(data_path("grid", "gb_generators.csv"))
    generators = generators[~generators["technology"].isin(VARIABLE_TECHNOLOGIES)
                            & generators["bus"].isin(network.buses.index)]
    capacity = generators.groupby("bus")["capacity_mw"].sum()
    return (capacity / capacity.sum()).rename("supply_share").rename_axis("bus")


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


def _zone_headroom(network: GridNetwork, config: GridConfig) -> pd.Series:
    zones = network.zones()
    unknown = sorted(set(config.zone_headroom_mw) - set(map(str, zones)))
    if unknown:
        raise ScenarioError([Problem("scenario", f"grid.zone_headroom_mw.{z}", f"not a zone of {network.name}; "
                                     f"zones: {', '.join(map(str, zones))}", z) for z in unknown])
    return pd.Series({z: config.zone_headroom_mw.get(str(z), math.inf) for z in zones}, name="headroom_mw").rename_axis("zone")


def nodal_grid_inputs(network: GridNetwork, sites: pd.DataFrame, config: GridConfig) -> GridInputs:
    site_bus = _site_nodes(network, sites, config)
    weights = dispatchable_supply_weights(network)
    factors = ptdf(network)
    supply_flow = factors[weights.index].to_numpy() @ weights.to_numpy()
    sensitivity = supply_flow[:, None] - factors[site_bus.to_numpy()].to_numpy()
    rating = np.minimum(network.lines["flow_max_mw"], network.lines.get("flow_max_reverse_mw", network.lines["flow_max_mw"]))
    return GridInputs(kind="nodal", site_zone=site_bus.map(network.buses["zone"]).rename("zone"),
                      zone_headroom_mw=_zone_headroom(network, config), max_site_mw=config.max_site_mw,
                      site_bus=site_bus, supply_weights=weights,
                      line_sensitivity=pd.DataFrame(sensitivity, index=factors.index, columns=sites.index),
                      line_headroom_mw=(rating * (1 - config.base_loading_share)).rename("headroom_mw"),
                      network=network)


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
    build = nodal_grid_inputs if network.kind is GridKind.NODAL else zonal_grid_inputs
    return build(network, sites, config)
