"""Start heuristics that know the siting model's structure (used through ``planner.solve``'s ``start``).

LP-guided site selection: the LP relaxation spreads load over many sites, paying only a sliver of each
one's opening cost. For a few shares of the LP's IT load, keep the fewest sites carrying that share, close
the rest, round the fleet down from the LP on the kept sites and solve for the remaining decisions; the
cheapest of these feasible plans is the start HiGHS improves and proves.
"""

from __future__ import annotations

import math
import time

import pyomo.environ as pyo

from planner.solve import SolveOptions, rounding_start, solve_relaxation

KEPT_LOAD_SHARES = (0.8, 0.9, 0.97)


def sites_carrying(load_mw: dict[str, float], share: float) -> set[str]:
    """The fewest sites whose load adds up to ``share`` of the total (largest first)."""
    total = sum(max(v, 0.0) for v in load_mw.values())
    kept, running = set(), 0.0
    for site, load in sorted(load_mw.items(), key=lambda item: -item[1]):
        if load <= 0 or running >= share * total:
            break
        kept.add(site)
        running += load
    return kept


def _start_with_sites(model: pyo.ConcreteModel, kept: set[str], options: SolveOptions, deadline: float) -> float:
    """Objective of the rounded plan on ``kept`` sites (loaded into the model), or inf if none was found."""
    closed = [model.open_site[s] for s in model.SITES if s not in kept and not model.open_site[s].fixed]
    for var in closed:
        var.fix(0)
    try:
        found = rounding_start(model, options, deadline)
    finally:
        for var in closed:
            var.unfix()
    return pyo.value(model.total_cost_musd) if found else math.inf


def lp_guided_siting_start(model: pyo.ConcreteModel, options: SolveOptions, deadline: float) -> bool:
    if not solve_relaxation(model, options, deadline):
        return False
    load = {s: pyo.value(model.it_mw[s]) for s in model.SITES}
    variables = list(model.component_data_objects(pyo.Var, active=True))
    best_cost, best_values = math.inf, None
    for share in KEPT_LOAD_SHARES:
        if time.perf_counter() > deadline and best_values is not None:
            break
        cost = _start_with_sites(model, sites_carrying(load, share), options, deadline)
        if cost < best_cost:
            best_cost, best_values = cost, [v.value for v in variables]
    if best_values is None:
        return False
    for var, value in zip(variables, best_values):
        var.set_value(value, skip_validation=True)
    return True
