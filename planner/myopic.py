"""Myopic (rolling) solve of a build-out model: each planning year in turn, with what earlier years built
fixed and no knowledge of later years' demand, chips or prices.

Year t's step minimises the present value of the years up to t with every earlier decision fixed; later
years' purchases and halls are held at zero and their blocks and links left out. The plan so found is
feasible for the full-horizon model, so its present value is an upper bound on the full optimum; the gap
between the two is what foresight is worth (measured in benchmarks/bench_buildout.py).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import pyomo.environ as pyo

from planner.mip.periods import PeriodInputs, period_block
from planner.solve import SolveOptions, SolveOutcome, solve


def _set_future(m: pyo.ConcreteModel, years: tuple[int, ...], step: int) -> None:
    """Blocks and links of the years after ``years[step]`` off, their purchases and halls held at zero;
    those of ``years[step]`` on and free."""
    current = years[step]
    for index, year in enumerate(years):
        block = period_block(m, year)
        if index > step:
            block.deactivate()
        elif index == step:
            block.activate()
    for s, k, p in m.PURCHASES:
        if p > current:
            m.buy[s, k, p].fix(0)
        elif p == current:
            m.buy[s, k, p].unfix()
    for s, c, t in m.HALLS:
        if t > current:
            m.hall_mw[s, c, t].fix(0)
            m.hall_holds_load[s, c, t].deactivate()
        elif t == current:
            m.hall_mw[s, c, t].unfix()
            m.hall_holds_load[s, c, t].activate()
    for constraint in (m.halls_persist, m.sites_persist, m.connections_persist):
        for index in constraint:
            later = index[-1]
            if later > current:
                constraint[index].deactivate()
            else:
                constraint[index].activate()


def _fix_year(m: pyo.ConcreteModel, year: int) -> None:
    """Every decision of ``year`` at its solved value (integers rounded)."""
    for var in period_block(m, year).component_data_objects(pyo.Var, descend_into=True):
        if var.value is not None:
            _fix_within_bounds(var)
    for s, k, p in m.PURCHASES:
        if p == year:
            _fix_within_bounds(m.buy[s, k, p])
    for s, c, t in m.HALLS:
        if t == year:
            _fix_within_bounds(m.hall_mw[s, c, t])


def _fix_within_bounds(var) -> None:
    """Fix at the solved value, integers rounded and solver noise outside the bounds clipped."""
    value = var.value or 0.0
    value = round(value) if var.is_integer() or var.is_binary() else value
    value = max(value, var.lb) if var.lb is not None else value
    value = min(value, var.ub) if var.ub is not None else value
    var.fix(value)


def solve_myopic(m: pyo.ConcreteModel, periods: PeriodInputs, options: SolveOptions) -> SolveOutcome:
    """Solve ``m`` (from ``build_periods_model``) one planning year at a time; the outcome's objective is the
    present value of the rolling plan over the whole horizon (no bound: the steps prove none for it)."""
    years = periods.years
    weights = {y: periods.schedule.weight(y) for y in years}
    m.total_cost_musd.deactivate()
    started, outcome = time.perf_counter(), None
    share = options.with_defaults().time_limit_s / len(years)
    for step, year in enumerate(years):
        _set_future(m, years, step)
        objective = pyo.Objective(expr=sum(weights[y] * m.period_cost_musd[y] for y in years[:step + 1]),
                                  sense=pyo.minimize)
        m.add_component(f"myopic_objective_{year}", objective)
        outcome = solve(m, replace(options, time_limit_s=share))
        objective.deactivate()
        if not outcome.has_solution:
            break
        _fix_year(m, year)
    m.total_cost_musd.activate()
    for year in years:
        period_block(m, year).activate()
    if outcome is None or not outcome.has_solution:
        return outcome
    return replace(outcome, objective=float(pyo.value(m.total_cost_musd)), bound=-math.inf, gap=math.nan,
                   solve_s=time.perf_counter() - started)
