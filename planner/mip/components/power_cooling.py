"""Site power and cooling: peak and average IT load from the fleet, cooling halls of several technologies per
site, the grid connection within the site's limit, water, and the costs of buildings, cooling plant, grid
connection, energy and carbon.

One definition of power, used everywhere:
- peak: ``chips.peak_kw`` per chip. Peak IT x PUE sizes the grid connection, which the site, zone, line and
  contingency limits then bound;
- average: ``average_kw_per_chip[chip, role]`` per chip in each role (service class, training); chips left
  without a role draw the largest of their role averages. Average IT x PUE x hours is the energy.

Cooling halls: a site splits its IT load over technologies (halls), linearly: it_cooled_mw[s,c] (peak) and
avg_it_cooled_mw[s,c] (average) add up to the site's IT. A chip may go only into halls whose technology is
liquid if the chip needs liquid and whose ``max_rack_kw`` covers the chip's rack (``rack_kw``). By Hall's
theorem, the chips fit their halls exactly when, for every set T of technologies, the load of the chips that
may go only into T is at most the load of the halls in T (``cooling_compatibility``). The average load in a
hall is at most the largest average-to-peak ratio of any chip times its peak load, which is exact when every
chip draws the same share of its peak on average (the TDP fallback) and a tight relaxation otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import numpy as np
import pyomo.core as pyo

from planner.mip.inputs import TRAINING_ROLE, USD_SCALE, ModelInputs
from planner.units import HOURS_PER_YEAR, KG_PER_T, KW_PER_MW


def add_power_cooling(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """it_mw[s] (peak) and it_avg_mw[s]; cooling halls it_cooled_mw[s,c], avg_it_cooled_mw[s,c] with the
    chips' cooling compatibility; grid_mw[s] >= sum_c pue[s,c] it_cooled_mw[s,c] within max_grid_mw[s]
    open_site[s]; water limits; costs."""
    _add_it_load(m, inputs)
    _add_cooling_halls(m, inputs)
    _add_grid_connection(m, inputs)
    _add_water_limit(m, inputs)
    _add_costs(m, inputs)


def chip_average_kw(inputs: ModelInputs) -> tuple[dict, dict]:
    """(chip, role) -> average kW, and chip -> the draw of a chip without a role (largest role average)."""
    if inputs.average_kw_per_chip is None:
        return {}, inputs.chips["peak_kw"].to_dict()
    average = inputs.average_kw_per_chip
    return average.to_dict(), average.groupby(level="chip").max().reindex(inputs.chips.index).fillna(
        inputs.chips["peak_kw"]).to_dict()


def _add_it_load(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    peak_kw = inputs.chips["peak_kw"].to_dict()
    role_kw, idle_kw = chip_average_kw(inputs)
    classes_of = defaultdict(list)
    for s, k, q in m.CAPACITY:
        classes_of[s, k].append(q)
    trains = set(m.TRAINING_CHIPS)
    chips_at = defaultdict(list)
    for s, k in m.SITE_CHIPS:
        chips_at[s].append(k)
    m.chips_at = chips_at

    def chip_avg_kw(m, s, k):
        kw = idle_kw[k] * m.chips[s, k]
        kw += sum((role_kw.get((k, q), idle_kw[k]) - idle_kw[k]) * m.chips_serving[s, k, q] for q in classes_of[s, k])
        if (s, k) in trains:
            kw += (role_kw.get((k, TRAINING_ROLE), idle_kw[k]) - idle_kw[k]) * m.chips_training[s, k]
        return kw

    m.chip_avg_kw = pyo.Expression(m.SITE_CHIPS, rule=chip_avg_kw,
                                   doc="average draw of the chips of type k at site s, by role [kW]")
    m.it_mw = pyo.Expression(m.SITES, rule=lambda m, s: sum(peak_kw[k] * m.chips[s, k] for k in chips_at[s])
                             / KW_PER_MW, doc="peak IT load at site s [MW]")
    m.it_avg_mw = pyo.Expression(m.SITES, rule=lambda m, s: sum(m.chip_avg_kw[s, k] for k in chips_at[s]) / KW_PER_MW,
                                 doc="average IT load at site s over the year [MW]")


def _techs_at(inputs: ModelInputs) -> dict[str, list[str]]:
    techs_at = defaultdict(list)
    for s, c in inputs.cooling.index:
        techs_at[s].append(c)
    return techs_at


def allowed_cooling(inputs: ModelInputs, site: str, chip: str) -> frozenset[str]:
    """Technologies at ``site`` that may cool ``chip``: liquid if it needs liquid, and racks dense enough."""
    return _allowed(_site_technologies(inputs, site), bool(inputs.chips.at[chip, "needs_liquid"]),
                    float(inputs.chips.at[chip, "rack_kw"]))


def _site_technologies(inputs: ModelInputs, site: str) -> list[tuple[str, bool, float]]:
    """(technology, is_liquid, max_rack_kw) of each hall technology at ``site``."""
    cooling = inputs.cooling.xs(site, level="site")
    return list(zip(cooling.index, cooling["is_liquid"].astype(bool), cooling["max_rack_kw"].astype(float)))


def _allowed(technologies: list[tuple[str, bool, float]], needs_liquid: bool, rack_kw: float) -> frozenset[str]:
    return frozenset(c for c, is_liquid, max_rack_kw in technologies
                     if (is_liquid or not needs_liquid) and rack_kw <= max_rack_kw * (1 + 1e-9))


def compatibility_rows(inputs: ModelInputs, site: str, chips: list[str]) -> list[tuple[frozenset[str], list[str]]]:
    """(T, chips that may go only into T) for every proper subset T of the site's technologies that confines
    some chip; T may be empty (chips no technology can cool)."""
    technologies = _site_technologies(inputs, site)
    techs = [c for c, _, _ in technologies]
    needs_liquid, rack_kw = inputs.chips["needs_liquid"], inputs.chips["rack_kw"]
    allowed = {k: _allowed(technologies, bool(needs_liquid[k]), float(rack_kw[k])) for k in chips}
    rows = []
    for size in range(len(techs)):
        for subset in combinations(techs, size):
            confined = [k for k in chips if allowed[k] <= set(subset)]
            if confined:
                rows.append((frozenset(subset), confined))
    return rows


def average_to_peak_ratio(inputs: ModelInputs) -> float:
    """Largest average-to-peak ratio of any chip in any role: caps the average load of a hall."""
    role_kw, idle_kw = chip_average_kw(inputs)
    peak = inputs.chips["peak_kw"]
    ratios = [kw / peak[k] for (k, _), kw in role_kw.items()] + [kw / peak[k] for k, kw in idle_kw.items()]
    return float(max(ratios, default=1.0))


def _add_cooling_halls(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    cooling, techs_at = inputs.cooling, _techs_at(inputs)
    m.SITE_COOLING = pyo.Set(dimen=2, initialize=list(cooling.index), ordered=True, doc="(site, cooling) halls")
    min_pue = cooling["pue"].groupby(level="site").min()
    it_bound = {s: inputs.sites.at[s, "max_grid_mw"] / min_pue[s] for s in inputs.sites.index}
    m.it_cooled_mw = pyo.Var(m.SITE_COOLING, domain=pyo.NonNegativeReals, bounds=lambda m, s, c: (0, it_bound[s]),
                             doc="peak IT load at site s in halls cooled by technology c [MW]")
    m.avg_it_cooled_mw = pyo.Var(m.SITE_COOLING, domain=pyo.NonNegativeReals, bounds=lambda m, s, c: (0, it_bound[s]),
                                 doc="average IT load at site s in halls cooled by technology c [MW]")
    m.it_cooling_split = pyo.Constraint(
        m.SITES, rule=lambda m, s: sum(m.it_cooled_mw[s, c] for c in techs_at[s]) == m.it_mw[s],
        doc="sum_c it_cooled_mw[s,c] = it_mw[s] [MW]")
    m.it_avg_cooling_split = pyo.Constraint(
        m.SITES, rule=lambda m, s: sum(m.avg_it_cooled_mw[s, c] for c in techs_at[s]) == m.it_avg_mw[s],
        doc="sum_c avg_it_cooled_mw[s,c] = it_avg_mw[s] [MW]")
    ratio = average_to_peak_ratio(inputs)
    m.hall_average_within_peak = pyo.Constraint(
        m.SITE_COOLING, rule=lambda m, s, c: m.avg_it_cooled_mw[s, c] <= ratio * m.it_cooled_mw[s, c],
        doc="avg_it_cooled_mw[s,c] <= (largest average/peak ratio) * it_cooled_mw[s,c] [MW]")
    peak_kw = inputs.chips["peak_kw"].to_dict()
    rows = [(s, i, subset, confined) for s in m.SITES
            for i, (subset, confined) in enumerate(compatibility_rows(inputs, s, m.chips_at[s]))]
    m.COOLING_COMPATIBILITY = pyo.Set(dimen=2, initialize=[(s, i) for s, i, _, _ in rows], ordered=True,
                                      doc="(site, subset number): technology subsets that confine some chips")
    subsets = {(s, i): (subset, confined) for s, i, subset, confined in rows}

    def peak_rule(m, s, i):
        subset, confined = subsets[s, i]
        return sum(peak_kw[k] * m.chips[s, k] for k in confined) / KW_PER_MW <= sum(m.it_cooled_mw[s, c] for c in subset)

    def average_rule(m, s, i):
        subset, confined = subsets[s, i]
        return sum(m.chip_avg_kw[s, k] for k in confined) / KW_PER_MW <= sum(m.avg_it_cooled_mw[s, c] for c in subset)

    m.cooling_compatibility = pyo.Constraint(
        m.COOLING_COMPATIBILITY, rule=peak_rule,
        doc="peak IT of chips that only technologies T can cool <= peak IT in the halls of T [MW]")
    m.cooling_compatibility_average = pyo.Constraint(
        m.COOLING_COMPATIBILITY, rule=average_rule,
        doc="average IT of chips that only technologies T can cool <= average IT in the halls of T [MW]")


def _add_grid_connection(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    pue, techs_at = inputs.cooling["pue"].to_dict(), _techs_at(inputs)
    max_grid_mw = inputs.sites["max_grid_mw"].to_dict()
    m.grid_mw = pyo.Var(m.SITES, domain=pyo.NonNegativeReals, bounds=lambda m, s: (0, max_grid_mw[s]),
                        doc="grid connection of site s, covering its peak draw [MW]")
    m.facility_power = pyo.Constraint(
        m.SITES, rule=lambda m, s: m.grid_mw[s] >= sum(pue[s, c] * m.it_cooled_mw[s, c] for c in techs_at[s]),
        doc="grid_mw[s] >= sum_c pue[s,c] * it_cooled_mw[s,c]: the connection covers the peak draw [MW]")
    m.site_power_limit = pyo.Constraint(
        m.SITES, rule=lambda m, s: m.grid_mw[s] <= max_grid_mw[s] * m.open_site[s],
        doc="grid_mw[s] <= max_grid_mw[s] * open_site[s] [MW]")
    m.facility_avg_mw = pyo.Expression(
        m.SITES, rule=lambda m, s: sum(pue[s, c] * m.avg_it_cooled_mw[s, c] for c in techs_at[s]),
        doc="average facility draw of site s over the year [MW]")


def _add_water_limit(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    limited = [s for s, v in inputs.sites["max_water_m3_per_year"].items() if np.isfinite(v)]
    if not limited:
        return
    water, techs_at = inputs.cooling["water_m3_per_mw_year"], _techs_at(inputs)
    m.WATER_LIMITED_SITES = pyo.Set(initialize=limited, ordered=True, doc="sites with a water limit")
    m.site_water_limit = pyo.Constraint(
        m.WATER_LIMITED_SITES, rule=lambda m, s: sum(water[s, c] * m.avg_it_cooled_mw[s, c] for c in techs_at[s])
        <= inputs.sites.at[s, "max_water_m3_per_year"], doc="cooling water use <= max_water_m3_per_year[s]")


def _add_costs(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    sites, cooling_capex = inputs.sites, inputs.cooling["capex_usd_per_mw_year"].to_dict()
    building, grid, energy = (sites[c].to_dict() for c in ("building_capex_usd_per_mw_year",
                                                          "grid_capex_usd_per_mw_year", "energy_usd_per_mw_year"))
    m.building_cost_musd = pyo.Expression(
        expr=sum(building[s] * m.it_mw[s] for s in m.SITES) / USD_SCALE,
        doc="annualised data-centre building capex per MW of peak IT [MUSD/year]")
    m.cooling_cost_musd = pyo.Expression(
        expr=sum(cooling_capex[s, c] * m.it_cooled_mw[s, c] for s, c in m.SITE_COOLING) / USD_SCALE,
        doc="annualised cooling plant capex beyond the reference air build, per MW of peak IT cooled [MUSD/year]")
    m.grid_cost_musd = pyo.Expression(
        expr=sum(grid[s] * m.grid_mw[s] for s in m.SITES) / USD_SCALE,
        doc="annualised grid connection capex [MUSD/year]")
    m.energy_cost_musd = pyo.Expression(
        expr=sum(energy[s] * m.facility_avg_mw[s] for s in m.SITES) / USD_SCALE,
        doc="electricity: price x hours x average facility draw [MUSD/year]")
    m.cost_terms.extend([m.building_cost_musd, m.cooling_cost_musd, m.grid_cost_musd, m.energy_cost_musd])
    if inputs.carbon_price_usd_per_t > 0:
        rate = sites["carbon_kg_per_mwh"].fillna(0.0) / KG_PER_T * inputs.carbon_price_usd_per_t * HOURS_PER_YEAR
        m.carbon_cost_musd = pyo.Expression(
            expr=sum(float(rate[s]) * m.facility_avg_mw[s] for s in m.SITES) / USD_SCALE,
            doc="carbon price on the CO2 of the sites' electricity [MUSD/year]")
        m.cost_terms.append(m.carbon_cost_musd)
