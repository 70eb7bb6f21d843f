"""Myopic (rolling) solve of a build-out model: each planning year in turn, with what earlier years built
fixed and no knowledge of later years' demand, chips or prices; and the full-horizon solve started from it.

Year t's step minimises the present value of the years up to t with every earlier decision fixed; later
years' purchases and halls are held at zero and their blocks and links left out. The plan so found is
feasible for the full-horizon model, so its present value is an upper bound on the full optimum; the gap
between the two is what foresight is worth (measured in benchmarks/bench_buildout.py).

``solve_from_rolling_start`` uses exactly that: the rolling plan is the full-horizon solve's first
incumbent; its bound is the decomposed one (``planner.period_bound``: one single-year LP per year) and, when
it finishes in time, the full model's LP relaxation, whose rounding (``planner.solve.rounding_start``) may
improve on it before the whole MIP runs for the time left. The full-horizon plan is therefore never worse than the rolling one; when the rolling plan is already
within the target gap of the decomposed bound, the whole model is not solved at all.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace

import numpy as np
import pyomo.core as pyo

from planner.highs import HighsInstance
from planner.mip.periods import PeriodInputs, period_block
from planner.period_bound import decomposed_bound
from planner.solve import (ProgressCallback, SolveOptions, SolveOutcome, Start, StartHeuristic, Termination,
                           relative_gap, restricted_start, seconds_left, solve)

log = logging.getLogger(__name__)

ROLLING_SHARE_OF_TIME_LIMIT = 0.4  # the rolling plan's steps together get this share of a full-horizon solve
BOUND_SHARE_OF_TIME_LIMIT = 0.85  # the decomposed bound's LPs must be solved by then


def _set_future(m: pyo.ConcreteModel, years: tuple[int, ...], step: int) -> None:
    """Blocks and links of the years after ``years[step]`` off, their purchases and halls held at zero;
    those of ``years[step]`` on and free. Earlier blocks are off too: every decision in them is fixed and
    feasible, and their rows would only make each step's compile longer (links to them stay on)."""
    current = years[step]
    for index, year in enumerate(years):
        block = period_block(m, year)
        if index == step:
            block.activate()
        else:
            block.deactivate()
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
        # earlier years' costs are constants now: the step's choice minimises the present value up to it
        objective = pyo.Objective(expr=weights[year] * m.period_cost_musd[year], sense=pyo.minimize)
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


def solve_from_rolling_start(m: pyo.ConcreteModel, periods: PeriodInputs, options: SolveOptions,
                             progress: ProgressCallback | None = None) -> tuple[SolveOutcome, SolveOutcome | None]:
    """The full-horizon solve of ``m`` started from the rolling plan (see the module docstring), within
    ``options.time_limit_s`` for both; returns its outcome (objective never above the rolling plan's) and
    the rolling plan's outcome (None without one). When the rolling plan is already within ``mip_gap`` of the
    decomposed bound (``planner.period_bound``), it is the plan and the whole model is not solved."""
    options = options.with_defaults()
    started = time.perf_counter()
    free = [v for v in m.component_data_objects(pyo.Var, descend_into=True) if not v.fixed]
    rolling = solve_myopic(m, periods, replace(options, time_limit_s=ROLLING_SHARE_OF_TIME_LIMIT * options.time_limit_s))
    values = {id(v): float(v.value) for v in free if v.value is not None} if rolling and rolling.has_solution else {}
    for var in free:
        var.unfix()
    costliest_first = sorted(periods.years, key=lambda y: -_weighted_cost(m, periods, y)) if values else None
    bound = decomposed_bound(m, periods, options, started + BOUND_SHARE_OF_TIME_LIMIT * options.time_limit_s,
                             costliest_first)
    log.info("rolling plan %s, decomposed bound %s after %.1fs", rolling.objective if values else None, bound,
             time.perf_counter() - started)
    if values and relative_gap(rolling.objective, bound) <= options.mip_gap:
        for var in free:
            var.set_value(values.get(id(var)), skip_validation=True)
        outcome = SolveOutcome(termination=Termination.OPTIMAL, has_solution=True, objective=rolling.objective,
                               bound=bound, gap=relative_gap(rolling.objective, bound),
                               solve_s=time.perf_counter() - started, solver=rolling.solver)
        return outcome, rolling
    left = max(options.time_limit_s - (time.perf_counter() - started), 1.0)
    outcome = solve(m, replace(options, time_limit_s=left, rounding_start=True), start=rolling_start(values, bound),
                    progress=progress)
    log.info("full horizon from the rolling plan: rolling %s, full %s (bound %s, gap %.3g)",
             rolling.objective if values else None, outcome.objective, outcome.bound, outcome.gap)
    return replace(outcome, solve_s=time.perf_counter() - started), rolling if values else None


def _weighted_cost(m: pyo.ConcreteModel, periods: PeriodInputs, year: int) -> float:
    """The present value of ``year``'s costs at the values ``m`` holds (the rolling plan's)."""
    return periods.schedule.weight(year) * float(pyo.value(m.period_cost_musd[year], exception=False) or 0.0)


def rolling_start(values: dict[int, float], bound: float = -math.inf) -> StartHeuristic:
    """Start heuristic for ``planner.solve.solve``: the point ``values`` (id(var) -> value, the rolling plan;
    empty: none) with the better of ``bound`` and the LP relaxation's bound, or the LP's rounding where that
    is better."""

    def heuristic(instance: HighsInstance, options: SolveOptions, deadline: float) -> Start | None:
        lp = instance.run(seconds_left(deadline), mip_gap=options.mip_gap, relax=instance.all)
        best_bound = max(bound, lp.bound if lp.has_solution else -math.inf)
        start = None
        if values:
            point = np.array([values.get(id(v), 0.0) for v in instance.columns])
            start = Start(point, instance.objective_of(point), best_bound)
            log.info("rolling start: objective %.6g, LP %s %.6g after %.1fs", start.objective, lp.status, lp.bound,
                     lp.seconds)
        if lp.has_solution:  # the LP's rounding (``planner.solve.rounding_start``) often beats the rolling plan
            rounded = restricted_start(instance, options, deadline, lp.values, fixed={}, bound=best_bound)
            if rounded is not None and (start is None or rounded.objective < start.objective):
                start = rounded
        return start

    return heuristic
