"""Site power: IT load from the fleet, grid connection within the site's limit, and energy cost."""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from planner.mip.inputs import USD_SCALE, ModelInputs
from planner.units import KW_PER_MW


def add_power(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """it_mw[s] = sum_k power_kw[k] * chips[s,k] / 1000; grid_mw[s] >= pue[s] * it_mw[s];
    grid_mw[s] <= max_grid_mw[s] * open_site[s]; costs per MW of IT (building), of grid (connection, energy)."""
    sites = inputs.sites
    power_kw = inputs.chips["power_kw"]
    chips_at = defaultdict(list)
    for s, k in m.SITE_CHIPS:
        chips_at[s].append(k)
    m.it_mw = pyo.Expression(m.SITES, rule=lambda m, s: sum(power_kw[k] * m.chips[s, k] for k in chips_at[s])
                             / KW_PER_MW, doc="IT load at site s [MW]")
    m.grid_mw = pyo.Var(m.SITES, domain=pyo.NonNegativeReals, bounds=lambda m, s: (0, sites.at[s, "max_grid_mw"]),
                        doc="grid connection of site s [MW]")
    m.facility_power = pyo.Constraint(m.SITES, rule=lambda m, s: m.grid_mw[s] >= sites.at[s, "pue"] * m.it_mw[s],
                                      doc="grid_mw[s] >= pue[s] * it_mw[s] [MW]")
    m.site_power_limit = pyo.Constraint(
        m.SITES, rule=lambda m, s: m.grid_mw[s] <= sites.at[s, "max_grid_mw"] * m.open_site[s],
        doc="grid_mw[s] <= max_grid_mw[s] * open_site[s] [MW]")
    m.building_cost_musd = pyo.Expression(
        expr=sum(sites.at[s, "building_capex_usd_per_mw_year"] * m.it_mw[s] for s in m.SITES) / USD_SCALE,
        doc="annualised data-centre building capex per MW of IT [MUSD/year]")
    m.grid_cost_musd = pyo.Expression(
        expr=sum(sites.at[s, "grid_capex_usd_per_mw_year"] * m.grid_mw[s] for s in m.SITES) / USD_SCALE,
        doc="annualised grid connection capex [MUSD/year]")
    m.energy_cost_musd = pyo.Expression(
        expr=sum(sites.at[s, "energy_usd_per_mw_year"] * m.grid_mw[s] for s in m.SITES) / USD_SCALE,
        doc="electricity: hours x utilisation x price per MW of connection [MUSD/year]")
    m.cost_terms.extend([m.building_cost_musd, m.grid_cost_musd, m.energy_cost_musd])
