"""Site power and cooling: IT load from the fleet, one cooling technology per open site, grid connection
within the site's limit, water, and the costs of buildings, cooling plant, grid connection and energy.

Linear in the IT load split: it_cooled_mw[s,c] carries the IT load under technology c, switched by the
binary cool[s,c]; the facility draws sum_c pue[s,c] * it_cooled_mw[s,c] from the grid.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyomo.environ as pyo

from planner.mip.inputs import USD_SCALE, ModelInputs
from planner.units import KW_PER_MW


def add_power_cooling(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """it_mw[s]; cool[s,c]; it_cooled_mw[s,c]; grid_mw[s] >= sum_c pue[s,c] it_cooled_mw[s,c] and
    grid_mw[s] <= max_grid_mw[s] open_site[s]; liquid-only chips only under liquid cooling; water limits."""
    _add_it_load(m, inputs)
    _add_cooling_choice(m, inputs)
    _add_grid_connection(m, inputs)
    _add_water_limit(m, inputs)
    _add_costs(m, inputs)


def _add_it_load(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    power_kw = inputs.chips["power_kw"]
    liquid_chip = inputs.chips["needs_liquid"]
    chips_at = defaultdict(list)
    for s, k in m.SITE_CHIPS:
        chips_at[s].append(k)
    m.it_mw = pyo.Expression(m.SITES, rule=lambda m, s: sum(power_kw[k] * m.chips[s, k] for k in chips_at[s])
                             / KW_PER_MW, doc="IT load at site s [MW]")
    m.it_liquid_chips_mw = pyo.Expression(
        m.SITES, rule=lambda m, s: sum(power_kw[k] * m.chips[s, k] for k in chips_at[s] if liquid_chip[k]) / KW_PER_MW,
        doc="IT load of chips that need liquid cooling at site s [MW]")


def _techs_at(inputs: ModelInputs) -> dict[str, list[str]]:
    techs_at = defaultdict(list)
    for s, c in inputs.cooling.index:
        techs_at[s].append(c)
    return techs_at


def _add_cooling_choice(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    cooling, techs_at = inputs.cooling, _techs_at(inputs)
    m.SITE_COOLING = pyo.Set(dimen=2, initialize=list(cooling.index), ordered=True, doc="(site, cooling) options")
    min_pue = cooling["pue"].groupby(level="site").min()
    it_bound = {s: inputs.sites.at[s, "max_grid_mw"] / min_pue[s] for s in inputs.sites.index}
    m.cool = pyo.Var(m.SITE_COOLING, domain=pyo.Binary, doc="1 if site s uses cooling technology c")
    m.it_cooled_mw = pyo.Var(m.SITE_COOLING, domain=pyo.NonNegativeReals, bounds=lambda m, s, c: (0, it_bound[s]),
                             doc="IT load at site s cooled by technology c [MW]")
    m.one_cooling_per_open_site = pyo.Constraint(
        m.SITES, rule=lambda m, s: sum(m.cool[s, c] for c in techs_at[s]) == m.open_site[s],
        doc="sum_c cool[s,c] = open_site[s]")
    m.it_cooling_split = pyo.Constraint(
        m.SITES, rule=lambda m, s: sum(m.it_cooled_mw[s, c] for c in techs_at[s]) == m.it_mw[s],
        doc="sum_c it_cooled_mw[s,c] = it_mw[s] [MW]")
    m.it_under_chosen_cooling = pyo.Constraint(
        m.SITE_COOLING, rule=lambda m, s, c: m.it_cooled_mw[s, c] <= it_bound[s] * m.cool[s, c],
        doc="it_cooled_mw[s,c] <= (max_grid_mw[s] / min_c pue[s,c]) * cool[s,c] [MW]")
    liquid = cooling["is_liquid"]
    m.liquid_chips_need_liquid_cooling = pyo.Constraint(
        m.SITES, rule=lambda m, s: m.it_liquid_chips_mw[s] <= sum(m.it_cooled_mw[s, c] for c in techs_at[s] if liquid[s, c]),
        doc="IT of liquid-only chips <= IT under liquid technologies [MW]")


def _add_grid_connection(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    sites, pue, techs_at = inputs.sites, inputs.cooling["pue"], _techs_at(inputs)
    m.grid_mw = pyo.Var(m.SITES, domain=pyo.NonNegativeReals, bounds=lambda m, s: (0, sites.at[s, "max_grid_mw"]),
                        doc="grid connection of site s [MW]")
    m.facility_power = pyo.Constraint(
        m.SITES, rule=lambda m, s: m.grid_mw[s] >= sum(pue[s, c] * m.it_cooled_mw[s, c] for c in techs_at[s]),
        doc="grid_mw[s] >= sum_c pue[s,c] * it_cooled_mw[s,c] [MW]")
    m.site_power_limit = pyo.Constraint(
        m.SITES, rule=lambda m, s: m.grid_mw[s] <= sites.at[s, "max_grid_mw"] * m.open_site[s],
        doc="grid_mw[s] <= max_grid_mw[s] * open_site[s] [MW]")


def _add_water_limit(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    limited = [s for s, v in inputs.sites["max_water_m3_per_year"].items() if np.isfinite(v)]
    if not limited:
        return
    water, techs_at = inputs.cooling["water_m3_per_mw_year"], _techs_at(inputs)
    m.WATER_LIMITED_SITES = pyo.Set(initialize=limited, ordered=True, doc="sites with a water limit")
    m.site_water_limit = pyo.Constraint(
        m.WATER_LIMITED_SITES, rule=lambda m, s: sum(water[s, c] * m.it_cooled_mw[s, c] for c in techs_at[s])
        <= inputs.sites.at[s, "max_water_m3_per_year"], doc="cooling water use <= max_water_m3_per_year[s]")


def _add_costs(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    sites, cooling_capex = inputs.sites, inputs.cooling["capex_usd_per_mw_year"]
    m.building_cost_musd = pyo.Expression(
        expr=sum(sites.at[s, "building_capex_usd_per_mw_year"] * m.it_mw[s] for s in m.SITES) / USD_SCALE,
        doc="annualised data-centre building capex per MW of IT [MUSD/year]")
    m.cooling_cost_musd = pyo.Expression(
        expr=sum(cooling_capex[s, c] * m.it_cooled_mw[s, c] for s, c in m.SITE_COOLING) / USD_SCALE,
        doc="annualised cooling plant capex beyond the reference air build, per MW of IT cooled [MUSD/year]")
    m.grid_cost_musd = pyo.Expression(
        expr=sum(sites.at[s, "grid_capex_usd_per_mw_year"] * m.grid_mw[s] for s in m.SITES) / USD_SCALE,
        doc="annualised grid connection capex [MUSD/year]")
    m.energy_cost_musd = pyo.Expression(
        expr=sum(sites.at[s, "energy_usd_per_mw_year"] * m.grid_mw[s] for s in m.SITES) / USD_SCALE,
        doc="electricity: hours x utilisation x price per MW of connection [MUSD/year]")
    m.cost_terms.extend([m.building_cost_musd, m.cooling_cost_musd, m.grid_cost_musd, m.energy_cost_musd])
