"""The only module that talks to a solver: HiGHS through Pyomo's APPSI interface.

``solve(model, options)`` returns a frozen ``SolveOutcome`` whose ``termination`` is an enum. A time limit
is not an error: the incumbent is loaded and returned with its bound and gap, flagged as not optimal.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field
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


def solve(model: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveOutcome:
    """Solve ``model`` with HiGHS and load the incumbent into it when there is one."""
    options = options or SolveOptions()
    solver = _configured_highs(options)
    started = time.perf_counter()
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
