"""Which candidate sites open."""

from __future__ import annotations

import pyomo.core as pyo

from planner.mip.inputs import USD_SCALE, ModelInputs


def add_siting(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """open_site[s] in {0,1}; siting_cost_musd = sum_s fixed_cost_usd_per_year[s] * open_site[s] / 1e6."""
    m.open_site = pyo.Var(m.SITES, domain=pyo.Binary, doc="1 if site s is opened")
    fixed = inputs.sites["fixed_cost_usd_per_year"] / USD_SCALE
    m.siting_cost_musd = pyo.Expression(expr=sum(fixed[s] * m.open_site[s] for s in m.SITES),
                                        doc="fixed yearly cost of opened sites [MUSD/year]")
    m.cost_terms.append(m.siting_cost_musd)
