"""The accelerator fleet: integer chips per site and type, and their split over service classes."""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo

from planner.mip.inputs import USD_SCALE, ModelInputs


def add_fleet(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """chips[s,k] integer; chips_serving[s,k,q] >= 0 and chips_training[s,k] >= 0 with
    sum_q chips_serving[s,k,q] + chips_training[s,k] <= chips[s,k];
    fleet_cost_musd = sum capex_usd_per_year[k] * chips[s,k] / 1e6."""
    m.chips = pyo.Var(m.SITE_CHIPS, domain=pyo.NonNegativeIntegers, doc="chips of type k at site s [chips]")
    m.chips_serving = pyo.Var(m.CAPACITY, domain=pyo.NonNegativeReals,
                              doc="chips of type k at site s assigned to service class q [chips]")
    m.chips_training = pyo.Var(m.TRAINING_CHIPS, domain=pyo.NonNegativeReals,
                               doc="chips of type k at site s assigned to training [chips]")
    classes_of = defaultdict(list)
    for s, k, q in m.CAPACITY:
        classes_of[s, k].append(q)
    trains = set(m.TRAINING_CHIPS)
    m.chip_split = pyo.Constraint(
        m.SITE_CHIPS, rule=lambda m, s, k: sum(m.chips_serving[s, k, q] for q in classes_of[s, k])
        + (m.chips_training[s, k] if (s, k) in trains else 0) <= m.chips[s, k],
        doc="sum_q chips_serving[s,k,q] + chips_training[s,k] <= chips[s,k]")
    capex = inputs.chips["capex_usd_per_year"] / USD_SCALE
    m.fleet_cost_musd = pyo.Expression(expr=sum(capex[k] * m.chips[s, k] for s, k in m.SITE_CHIPS),
                                       doc="annualised chip and server capex with maintenance [MUSD/year]")
    m.cost_terms.append(m.fleet_cost_musd)
