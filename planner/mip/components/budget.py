"""Capital budget: the upfront spend on chips with their servers, buildings, cooling plant and grid
connections within the scenario's budget (``costs.capital_budget_usd``)."""

from __future__ import annotations

import pyomo.core as pyo

from planner.mip.inputs import USD_SCALE, ModelInputs


def add_capital_budget(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """capital_budget: sum capex_usd[k] chips[s,k] + building[s] it_mw[s] + cooling[s,c] it_cooled_mw[s,c]
    + grid[s] grid_mw[s] <= capital_budget_usd [MUSD]."""
    budget = inputs.capital_budget_usd
    if budget is None:
        return
    chip_capex = inputs.chips["capex_usd"]
    sites, cooling = inputs.sites, inputs.cooling["capex_usd_per_mw"]
    m.capital_spend_musd = pyo.Expression(
        expr=(sum(chip_capex[k] * m.chips[s, k] for s, k in m.SITE_CHIPS)
              + sum(sites.at[s, "building_capex_usd_per_mw"] * m.it_mw[s]
                    + sites.at[s, "grid_capex_usd_per_mw"] * m.grid_mw[s] for s in m.SITES)
              + sum(cooling[s, c] * m.it_cooled_mw[s, c] for s, c in m.SITE_COOLING)) / USD_SCALE,
        doc="upfront capital of the plan [MUSD]")
    m.capital_budget = pyo.Constraint(expr=m.capital_spend_musd <= budget / USD_SCALE,
                                      doc="upfront capital spend <= capital_budget_usd [MUSD]")
