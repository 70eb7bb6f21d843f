"""Grid stability: what the transmission system can carry to the sites.

- contingency: grid_mw[s] <= max_site_mw of the site's synchronous area (the largest load it can lose at once);
- nodal (DC power flow): new line flows sum_s sensitivity[l,s] * grid_mw[s] within +-line_headroom_mw[l],
  the new load supplied by generator buses in fixed shares; each zone's new load within its headroom;
- zonal (transport): new supply in each zone up to its headroom, inter-zone transfers within the capacity
  available to new load, and each zone's balance: supply + imports - exports = its sites' load; transfers
  pay for their line losses.
"""

from __future__ import annotations

from collections import defaultdict

import math

import pandas as pd
import pyomo.core as pyo

from planner.mip.inputs import USD_SCALE, GridInputs, ModelInputs

SENSITIVITY_TOL = 1e-4  # MW per MW; smaller sensitivities are numerical noise of the PTDF


def add_grid(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    grid = inputs.grid
    if grid is None:
        return
    limits = site_contingency_limits(grid, list(m.SITES))
    if limits:
        m.CONTINGENCY_SITES = pyo.Set(initialize=list(limits), ordered=True, doc="sites with a contingency limit")
        m.site_contingency_limit = pyo.Constraint(
            m.CONTINGENCY_SITES, rule=lambda m, s: m.grid_mw[s] <= limits[s],
            doc="grid_mw[s] <= max_site_mw of the site's synchronous area: losing one site must not exceed the "
                "area's largest loss [MW]")
    if grid.kind == "nodal":
        _add_zone_headroom(m, grid)
        _add_line_limits(m, grid)
    else:
        _add_zonal_transport(m, grid)


def site_contingency_limits(grid: GridInputs, sites: list[str]) -> dict[str, float]:
    """Per site, the contingency limit of its synchronous area, else the system's; sites without one left out."""
    by_area = grid.site_max_mw if grid.site_max_mw is not None else pd.Series(dtype=float)
    limits = {}
    for s in sites:
        value = by_area.get(s, math.nan)
        value = grid.max_site_mw if pd.isna(value) else value
        if value is not None and math.isfinite(value):
            limits[s] = float(value)
    return limits


def _sites_in_zone(grid: GridInputs) -> dict[str, list[str]]:
    members = defaultdict(list)
    for site, zone in grid.site_zone.items():
        members[zone].append(site)
    return members


def _add_zone_headroom(m: pyo.ConcreteModel, grid: GridInputs) -> None:
    members = _sites_in_zone(grid)
    m.GRID_ZONES = pyo.Set(initialize=list(grid.zone_headroom_mw.index), ordered=True, doc="grid zones")
    m.zone_headroom = pyo.Constraint(
        m.GRID_ZONES, rule=lambda m, z: (sum(m.grid_mw[s] for s in members[z]) <= grid.zone_headroom_mw[z]
                                         if members[z] else pyo.Constraint.Skip),  # a zone with no site limits nothing
        doc="sum_{s in z} grid_mw[s] <= zone_headroom_mw[z] [MW]")


def _add_line_limits(m: pyo.ConcreteModel, grid: GridInputs) -> None:
    sensitivity = grid.line_sensitivity
    terms = {line: [(s, v) for s, v in row.items() if abs(v) > SENSITIVITY_TOL] for line, row in sensitivity.iterrows()}
    lines = [line for line, t in terms.items() if t]
    m.GRID_LINES = pyo.Set(initialize=lines, ordered=True, doc="lines whose flow the sites' load moves")
    m.new_flow_mw = pyo.Expression(m.GRID_LINES, rule=lambda m, l: sum(v * m.grid_mw[s] for s, v in terms[l]),
                                   doc="flow the sites' load adds to line l (DC power flow, PTDF) [MW]")
    headroom = grid.line_headroom_mw
    m.line_limit_forward = pyo.Constraint(m.GRID_LINES, rule=lambda m, l: m.new_flow_mw[l] <= headroom[l],
                                          doc="new_flow_mw[l] <= line_headroom_mw[l] [MW]")
    m.line_limit_reverse = pyo.Constraint(m.GRID_LINES, rule=lambda m, l: -m.new_flow_mw[l] <= headroom[l],
                                          doc="-new_flow_mw[l] <= line_headroom_mw[l] [MW]")


def _add_zonal_transport(m: pyo.ConcreteModel, grid: GridInputs) -> None:
    members, lines = _sites_in_zone(grid), grid.transfer_lines
    zones = list(grid.zone_headroom_mw.index)
    m.GRID_ZONES = pyo.Set(initialize=zones, ordered=True, doc="grid zones")
    m.TRANSFER_LINES = pyo.Set(initialize=list(lines.index), ordered=True, doc="inter-zone transfer corridors")
    m.zone_supply_mw = pyo.Var(m.GRID_ZONES, domain=pyo.NonNegativeReals,
                               bounds=lambda m, z: (0, grid.zone_headroom_mw[z]),
                               doc="new supply for data-centre load from zone z's own generation [MW]")
    m.transfer_forward_mw = pyo.Var(m.TRANSFER_LINES, bounds=lambda m, l: (0, lines.at[l, "forward_mw"]),
                                    doc="transfer on corridor l from from_zone to to_zone [MW]")
    m.transfer_reverse_mw = pyo.Var(m.TRANSFER_LINES, bounds=lambda m, l: (0, lines.at[l, "reverse_mw"]),
                                    doc="transfer on corridor l from to_zone to from_zone [MW]")
    m.transfer_mw = pyo.Expression(m.TRANSFER_LINES, rule=lambda m, l: m.transfer_forward_mw[l] - m.transfer_reverse_mw[l],
                                   doc="net transfer on corridor l, positive from_zone -> to_zone [MW]")
    m.zone_balance = pyo.Constraint(
        m.GRID_ZONES, rule=lambda m, z: m.zone_supply_mw[z]
        + sum(m.transfer_mw[l] for l in lines.index[lines["to_zone"] == z])
        - sum(m.transfer_mw[l] for l in lines.index[lines["from_zone"] == z])
        == sum(m.grid_mw[s] for s in members[z]),
        doc="zone_supply_mw[z] + imports - exports = sum_{s in z} grid_mw[s] [MW]")
    loss = lines["loss_cost_usd_per_mw_year"] / USD_SCALE
    m.transfer_loss_cost_musd = pyo.Expression(
        expr=sum(loss[l] * (m.transfer_forward_mw[l] + m.transfer_reverse_mw[l]) for l in m.TRANSFER_LINES),
        doc="energy lost on inter-zone transfers [MUSD/year]")
    m.cost_terms.append(m.transfer_loss_cost_musd)
