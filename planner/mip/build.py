"""The model orchestrator: one builder per concern, each adding its variables, constraints and cost terms.

The objective is the sum of the terms the builders register, in million USD per year: money in
``m.cost_terms`` (capex annuities, energy, carbon, transfer losses) and penalties in ``m.penalty_terms``
(unmet demand, latency quality, training shortfall), reported apart. A user's own constraints slot in
through ``extra`` (functions called with the model and inputs after the builders).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyomo.core as pyo

from planner.mip.components.budget import add_capital_budget
from planner.mip.components.fleet import add_fleet
from planner.mip.components.grid import add_grid
from planner.mip.components.policy import add_policy
from planner.mip.components.power_cooling import add_power_cooling
from planner.mip.components.redundancy import add_n_minus_1
from planner.mip.components.serving import add_serving
from planner.mip.components.sets import add_sets
from planner.mip.components.siting import add_siting
from planner.mip.components.training import add_training
from planner.mip.inputs import ModelInputs

Builder = Callable[[pyo.ConcreteModel, ModelInputs], None]

BUILDERS: tuple[Builder, ...] = (add_sets, add_siting, add_fleet, add_serving, add_training, add_power_cooling,
                                 add_grid, add_policy, add_capital_budget, add_n_minus_1)


def build_model(inputs: ModelInputs, extra: Iterable[Builder] = ()) -> pyo.ConcreteModel:
    """The siting MIP for ``inputs``; ``extra`` builders run last and may append to ``m.cost_terms`` (money)
    or ``m.penalty_terms``."""
    m = pyo.ConcreteModel(name=inputs.name)
    m.cost_terms, m.penalty_terms = [], []
    for builder in (*BUILDERS, *extra):
        builder(m, inputs)
    m.total_cost_musd = pyo.Objective(expr=sum(m.cost_terms) + sum(m.penalty_terms), sense=pyo.minimize,
                                      doc="sum of the registered cost and penalty terms [MUSD/year]")
    return m


def problem_size(m: pyo.ConcreteModel) -> dict[str, int]:
    """Variables (and how many are integer) and constraints of a built model."""
    variables = list(m.component_data_objects(pyo.Var, active=True))
    n_integer = sum(1 for v in variables if v.is_integer() or v.is_binary())
    n_constraints = sum(1 for _ in m.component_data_objects(pyo.Constraint, active=True))
    return {"n_variables": len(variables), "n_integer": n_integer, "n_constraints": n_constraints}
