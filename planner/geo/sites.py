"""Candidate sites: the scenario's site list with defaults resolved from data and costs annualised.

Per site: coordinates, connection limit, delivered energy price, climate (the site's own cooling degree-days
when the scenario gives them, otherwise the ERA5 country normal: no gridded climatology is shipped;
``climate_source`` says which), grid carbon intensity (country mix), water limit, and yearly cost rates
(energy per MW of average facility draw over the year's hours).
"""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

from planner.geo.climate import climate_of
from planner.geo.site_sources import all_sites
from planner.resources import data_path
from planner.scenario.schema import Scenario
from planner.units import HOURS_PER_YEAR, capital_recovery_factor


@lru_cache(maxsize=1)
def _carbon_intensity() -> pd.Series:
    mix = pd.read_csv(data_path("electricity", "country_electricity_mix.csv"))
    return mix.set_index("iso_code")["carbon_intensity_gco2_per_kwh"]


def carbon_kg_per_mwh(country_iso3: str) -> float:
    """Lifecycle grid carbon intensity of the country's generation (OWID/Ember); NaN when unknown."""
    return float(_carbon_intensity().get(country_iso3, math.nan))


def candidate_sites(scenario: Scenario) -> pd.DataFrame:
    """Sites indexed by ``site`` with their data and yearly cost rates (USD per MW-year of IT or grid)."""
    costs = scenario.costs
    building_crf = capital_recovery_factor(costs.discount_rate, costs.building_lifetime_years)
    energy_mwh_per_mw_year = HOURS_PER_YEAR
    country_cdd = None
    rows = []
    for site in all_sites(scenario):
        if site.cdd19_per_year is None and country_cdd is None:
            country_cdd = float(climate_of(scenario.country_iso3)["cdd19_per_year"])
        price = site.energy_usd_per_mwh if site.energy_usd_per_mwh is not None else costs.energy_usd_per_mwh
        rows.append({
            "site": site.name, "lat": site.lat, "lon": site.lon, "max_grid_mw": site.max_grid_mw,
            "grid_node": site.grid_node,
            "cdd19_per_year": site.cdd19_per_year if site.cdd19_per_year is not None else country_cdd,
            "climate_source": "site" if site.cdd19_per_year is not None else "country ERA5 2000-2024 area mean",
            "max_water_m3_per_year": site.max_water_m3_per_year if site.max_water_m3_per_year is not None else math.inf,
            "carbon_kg_per_mwh": carbon_kg_per_mwh(scenario.country_iso3),
            "energy_usd_per_mwh": price,
            "energy_mwh_per_mw_year": energy_mwh_per_mw_year,
            "energy_usd_per_mw_year": price * energy_mwh_per_mw_year,
            "fixed_cost_usd_per_year": costs.site_fixed_cost_usd_per_year,
            "building_capex_usd_per_mw": costs.building_capex_usd_per_mw,
            "grid_capex_usd_per_mw": costs.grid_connection_capex_usd_per_mw,
            "building_capex_usd_per_mw_year": costs.building_capex_usd_per_mw * building_crf,
            "grid_capex_usd_per_mw_year": costs.grid_connection_capex_usd_per_mw * building_crf,
        })
    return pd.DataFrame(rows).set_index("site")
