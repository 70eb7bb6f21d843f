"""The only module that talks to a solver: HiGHS through Pyomo's APPSI interface.

``solve(model, options)`` returns a frozen ``SolveOutcome`` whose ``termination`` is an enum. A time limit
is not an error: the incumbent is loaded and returned with its bound and gap, flagged as not optimal.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field, replace
from collections.abc import Callable
from enum import StrEnum

import pyomo.environ as pyo
from pyomo.contrib.appsi.base import TerminationCondition
from pyomo.contrib.appsi.solvers import Highs

from planner.errors import SolveError

log = logging.getLogger(__name__)


class Termination(StrEnum):
    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INTERRUPTED = "interrupted"
    ERROR = "error"


@dataclass(frozen=True)
class SolveOptions:
    """How to solve. ``mip_gap`` is relative; ``threads=1`` because parallelism comes from sweeps."""

    time_limit_s: float = 300.0
    mip_gap: float = 1e-4
    threads: int = 1
    random_seed: int = 0
    verbose: bool = False
    rounding_start: bool = True
    """Before the MIP, solve its LP relaxation, raise the lower bound of every general integer to its
    rounded-down LP value and solve that restricted MIP for a start: with large integer counts (chips) the
    LP's rounding is close to optimal, and the restricted problem is far easier than the whole one. HiGHS's
    own heuristics often find nothing comparable on national-scale siting models."""
    highs_options: tuple[tuple[str, object], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SolveOutcome:
    termination: Termination
    has_solution: bool
    objective: float
    bound: float
    gap: float
    solve_s: float
    solver: str

    @property
    def is_optimal(self) -> bool:
        return self.termination is Termination.OPTIMAL


_TERMINATIONS = {
    TerminationCondition.optimal: Termination.OPTIMAL,
    TerminationCondition.maxTimeLimit: Termination.TIME_LIMIT,
    TerminationCondition.infeasible: Termination.INFEASIBLE,
    TerminationCondition.infeasibleOrUnbounded: Termination.INFEASIBLE,
    TerminationCondition.unbounded: Termination.UNBOUNDED,
    TerminationCondition.interrupted: Termination.INTERRUPTED,
    TerminationCondition.maxIterations: Termination.INTERRUPTED,
}


def relative_gap(objective: float, bound: float) -> float:
    """|objective - bound| / max(|objective|, 1e-9); 0 when both are 0, inf without an incumbent."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    if objective == bound:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-9)


def solver_version() -> str:
    import highspy

    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def _configured_highs(options: SolveOptions) -> Highs:
    solver = Highs()
    if not solver.available():
        raise SolveError([], "HiGHS (highspy) is not available; install the 'highspy' package")
    solver.config.time_limit = options.time_limit_s
    solver.config.mip_gap = options.mip_gap
    solver.config.stream_solver = options.verbose
    solver.config.load_solution = False
    solver.highs_options = {"threads": options.threads, "random_seed": options.random_seed,
                            **dict(options.highs_options)}
    return solver


def _general_integers(model: pyo.ConcreteModel) -> list:
    return [v for v in model.component_data_objects(pyo.Var, active=True)
            if v.is_integer() and not v.is_binary() and not v.fixed]


def _seconds_left(deadline: float) -> float:
    return max(deadline - time.perf_counter(), 1.0)


def solve_relaxation(model: pyo.ConcreteModel, options: SolveOptions, deadline: float = math.inf) -> bool:
    """Solve the LP relaxation (by ``deadline``) and load its values; integer domains are restored afterwards."""
    relaxed = [(v, v.domain) for v in model.component_data_objects(pyo.Var, active=True) if v.is_integer()]
    for v, _ in relaxed:
        v.domain = pyo.UnitInterval if v.is_binary() else pyo.NonNegativeReals
    try:
        limit = min(options.time_limit_s, _seconds_left(deadline))
        results = _configured_highs(replace(options, time_limit_s=limit)).solve(model)
        ok = results.termination_condition == TerminationCondition.optimal
        if ok:
            results.solution_loader.load_vars()
    finally:
        for v, domain in relaxed:
            v.domain = domain
    return ok


def rounding_start(model: pyo.ConcreteModel, options: SolveOptions, deadline: float) -> bool:
    """Load a feasible point of the MIP restricted to general integers at or above their rounded-down LP
    values into ``model``; False if none was found in time."""
    integers = _general_integers(model)
    if not integers or not solve_relaxation(model, options, deadline):
        return False
    lower_bounds = [v.lb for v in integers]
    for v in integers:
        v.setlb(max(v.lb or 0.0, math.floor((v.value or 0.0) + 1e-6)))
    try:
        budget = min(60.0, _seconds_left(deadline))
        results = _configured_highs(replace(options, time_limit_s=budget)).solve(model)
        found = results.best_feasible_objective is not None and math.isfinite(results.best_feasible_objective)
        if found:
            results.solution_loader.load_vars()
    finally:
        for v, lb in zip(integers, lower_bounds):
            v.setlb(lb)
    log.info("rounding start: %s", "found" if found else "none")
    return found


StartHeuristic = Callable[[pyo.ConcreteModel, SolveOptions, float], bool]
START_SHARE_OF_TIME_LIMIT = 0.5  # the start heuristic must finish within this share of the time limit


def solve(model: pyo.ConcreteModel, options: SolveOptions | None = None,
          start: StartHeuristic | None = None) -> SolveOutcome:
    """Solve ``model`` with HiGHS and load the incumbent into it when there is one.

    ``start(model, options, deadline)`` may load a feasible point into the model's variables (returning
    True) for HiGHS to start from, within ``START_SHARE_OF_TIME_LIMIT`` of the time limit; by default the
    rounding start runs when ``options.rounding_start``."""
    options = options or SolveOptions()
    started = time.perf_counter()
    deadline = started + options.time_limit_s
    heuristic = start or rounding_start
    start_deadline = started + START_SHARE_OF_TIME_LIMIT * options.time_limit_s
    warm = options.rounding_start and heuristic(model, options, start_deadline)
    remaining = max(deadline - time.perf_counter(), 1.0)
    solver = _configured_highs(replace(options, time_limit_s=remaining))
    solver.config.warmstart = warm
    results = solver.solve(model)
    solve_s = time.perf_counter() - started
    termination = _TERMINATIONS.get(results.termination_condition, Termination.ERROR)
    objective = results.best_feasible_objective
    has_solution = objective is not None and math.isfinite(objective)
    if has_solution:
        results.solution_loader.load_vars()
    objective = float(objective) if has_solution else math.nan
    bound = results.best_objective_bound
    bound = float(bound) if bound is not None else math.nan
    if termination is Termination.OPTIMAL and not math.isfinite(bound):
        bound = objective
    outcome = SolveOutcome(termination=termination, has_solution=has_solution, objective=objective,
                           bound=bound, gap=relative_gap(objective, bound), solve_s=solve_s,
                           solver=f"highs {solver_version()}")
    log.info("solved: %s objective=%s bound=%s gap=%.3g in %.2fs", termination, objective, bound,
             outcome.gap, solve_s)
    return outcome
