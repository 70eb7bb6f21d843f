"""Candidate sites: the scenario's site list with defaults resolved and costs annualised (USD/year)."""

from __future__ import annotations

import pandas as pd

from planner.scenario.schema import Scenario
from planner.units import HOURS_PER_YEAR, capital_recovery_factor


def candidate_sites(scenario: Scenario) -> pd.DataFrame:
    """Sites indexed by ``site`` with lat, lon, max_grid_mw, pue, energy_usd_per_mwh and yearly cost rates."""
    costs = scenario.costs
    building_crf = capital_recovery_factor(costs.discount_rate, costs.building_lifetime_years)
    rows = []
    for site in scenario.sites:
        price = site.energy_usd_per_mwh if site.energy_usd_per_mwh is not None else costs.energy_usd_per_mwh
        rows.append({
            "site": site.name,
            "lat": site.lat,
            "lon": site.lon,
            "max_grid_mw": site.max_grid_mw,
            "pue": site.pue if site.pue is not None else costs.pue,
            "energy_usd_per_mwh": price,
            "energy_usd_per_mw_year": price * HOURS_PER_YEAR * costs.power_utilisation_share,
            "fixed_cost_usd_per_year": costs.site_fixed_cost_usd_per_year,
            "building_capex_usd_per_mw_year": costs.building_capex_usd_per_mw * building_crf,
            "grid_capex_usd_per_mw_year": costs.grid_connection_capex_usd_per_mw * building_crf,
        })
    return pd.DataFrame(rows).set_index("site")
