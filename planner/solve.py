"""Solving a built model with HiGHS: options, the outcome, and the start a heuristic hands to HiGHS.

``solve(model, options)`` compiles the model once into a ``HighsInstance``, lets a start heuristic find a
feasible point (and perhaps a proven bound, from a relaxation it solved on the way), then, unless that point
is already proven good enough, runs the whole MIP for the time left and keeps the better of the two. It returns a frozen ``SolveOutcome`` whose ``termination`` is an enum.
A time limit is not an error: the incumbent is loaded and returned with its bound and gap, flagged as not
optimal. "optimal" means proven within ``mip_gap``, as in HiGHS.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum

import highspy
import numpy as np
import pyomo.core as pyo

from planner.highs import HighsInstance, RunResult, RunStatus

log = logging.getLogger(__name__)


class Termination(StrEnum):
    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INTERRUPTED = "interrupted"
    ERROR = "error"


DEFAULT_TIME_LIMIT_S = 300.0
DEFAULT_MIP_GAP = 1e-4


@dataclass(frozen=True)
class SolveOptions:
    """How to solve. ``mip_gap`` is relative; ``threads=1`` because parallelism comes from sweeps.

    ``time_limit_s`` and ``mip_gap`` left at None are not set here: a scenario's plan takes them from its
    solver section one by one, and ``solve`` falls back to ``DEFAULT_TIME_LIMIT_S`` and ``DEFAULT_MIP_GAP``."""

    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int = 1
    random_seed: int = 0
    verbose: bool = False
    """Send HiGHS's log, line by line, to the ``planner.solve`` logger (the CLI's ``--solver-log``)."""
    rounding_start: bool = True
    """Run the start heuristic before the MIP (by default: solve the LP relaxation and the MIP restricted
    to general integers rounded up or down from their LP values). With large integer counts (chips) the
    LP's rounding is close to optimal and the restricted problem is far easier than the whole one; the
    LP's optimum is kept as a proven bound."""
    highs_options: tuple[tuple[str, object], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return asdict(self)

    def with_defaults(self, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
                      mip_gap: float = DEFAULT_MIP_GAP) -> "SolveOptions":
        """These options with each field left at None taken from the arguments (e.g. a scenario's section)."""
        given = {"time_limit_s": time_limit_s, "mip_gap": mip_gap}
        return replace(self, **{f.name: given[f.name] for f in fields(self)
                                if f.name in given and getattr(self, f.name) is None})


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


@dataclass(frozen=True)
class SolverProgress:
    """Where a solve stands, for a live display: the best plan found so far and the best proven bound on the
    whole model (model units, see ``planner.mip.inputs.USD_SCALE``)."""

    phase: str
    """"start" (the start heuristic's relaxations and restricted problems) or "mip" (the whole MIP)."""
    elapsed_s: float
    incumbent: float
    """Objective of the best feasible plan so far; nan before the first."""
    bound: float
    """Best proven lower bound on the whole model; -inf before the first."""

    @property
    def gap(self) -> float:
        return relative_gap(self.incumbent, self.bound)


ProgressCallback = Callable[[SolverProgress], None]


class _Tracker:
    """Turns HiGHS's per-run callbacks into ``SolverProgress`` for the whole solve: a restricted problem's
    points are feasible for the whole model but its bound is not a bound of it, so bounds are taken only
    from the start's relaxation and from the whole MIP's run."""

    def __init__(self, report: ProgressCallback, started: float):
        self.report, self.started = report, started
        self.phase, self.incumbent, self.bound = "start", math.nan, -math.inf

    def on_incumbent(self, objective: float, run_bound: float) -> None:
        if math.isfinite(objective) and not objective >= self.incumbent:
            self.incumbent = objective
        if self.phase == "mip" and math.isfinite(run_bound) and run_bound > self.bound:
            self.bound = run_bound
        self.emit()

    def enter_mip(self, start: "Start | None") -> None:
        self.phase = "mip"
        if start is not None:
            self.bound = max(self.bound, start.bound)
            self.on_incumbent(start.objective, -math.inf)

    def emit(self) -> None:
        self.report(SolverProgress(self.phase, time.perf_counter() - self.started, self.incumbent, self.bound))


@dataclass(frozen=True)
class Start:
    """A feasible point of the whole model found before its MIP run, and the best lower bound on the whole
    model's optimum proven on the way (-inf when none was)."""

    values: np.ndarray
    objective: float
    bound: float = -math.inf


StartHeuristic = Callable[[HighsInstance, SolveOptions, float], Start | None]
"""``heuristic(instance, options, deadline)``: a ``Start`` found by ``deadline`` (perf_counter seconds), or None."""

START_SHARE_OF_TIME_LIMIT = 0.9  # the start heuristic must finish within this share of the time limit
RESTRICTED_MIP_MAX_S = 60.0  # longest run of a restricted MIP inside a start heuristic
# A restricted MIP is solved four times tighter than the whole one, so that its slack does not eat the gap.


def relative_gap(objective: float, bound: float) -> float:
    """|objective - bound| / max(|objective|, 1e-9); 0 when both are equal, inf without both."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    if objective == bound:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-9)


def solver_version() -> str:
    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def seconds_left(deadline: float) -> float:
    return max(deadline - time.perf_counter(), 0.0)


def general_integers(instance: HighsInstance) -> np.ndarray:
    """Columns of integer variables that are not binary."""
    return np.flatnonzero(instance.is_integer & ((instance.upper > 1) | (instance.lower < 0)))


def rounding_start(instance: HighsInstance, options: SolveOptions, deadline: float) -> Start | None:
    """The MIP restricted to general integers rounded up or down from their LP values, with the LP's
    bound; None if the model has no general integers or nothing was found by ``deadline``."""
    if not len(general_integers(instance)):
        return None
    lp = instance.run(seconds_left(deadline), mip_gap=options.mip_gap, relax=instance.all)
    if not lp.has_solution:
        return None
    return restricted_start(instance, options, deadline, lp.values, fixed={}, bound=lp.bound)


def restricted_start(instance: HighsInstance, options: SolveOptions, deadline: float, guide: np.ndarray,
                     fixed: dict[int, float], bound: float) -> Start | None:
    """A feasible point with the ``fixed`` columns at their values and the general integers rounded up or
    down from their values in ``guide`` (a relaxation's point), carried with ``bound``; with the integers
    free if no rounding is feasible. Narrow integer ranges also keep HiGHS's bound propagation short."""
    counts = [int(j) for j in general_integers(instance) if j not in fixed]
    floors = {j: max(instance.lower[j], math.floor(guide[j] + 1e-6)) for j in counts}
    ceilings = {j: min(instance.upper[j], max(floors[j], math.ceil(guide[j] - 1e-6))) for j in counts}
    for lower, upper in (({**floors, **fixed}, {**ceilings, **fixed}), (fixed, fixed)):
        run = instance.run(min(RESTRICTED_MIP_MAX_S, seconds_left(deadline)), mip_gap=options.mip_gap / 4,
                           lower=lower, upper=upper)
        if run.has_solution:
            log.info("restricted start: objective %.6g after %.1fs", run.objective, run.seconds)
            return Start(run.values, run.objective, bound)
    return None


def _highs_options(options: SolveOptions) -> dict[str, object]:
    return {"threads": options.threads, "random_seed": options.random_seed, "output_flag": options.verbose,
            **dict(options.highs_options)}


def _log_line(message: str) -> None:
    for line in message.splitlines():
        if line.strip():
            log.info("highs: %s", line)


_TERMINATIONS = ((Termination.OPTIMAL, RunStatus.OPTIMAL), (Termination.TIME_LIMIT, RunStatus.TIME_LIMIT),
                 (Termination.INFEASIBLE, RunStatus.INFEASIBLE), (Termination.UNBOUNDED, RunStatus.UNBOUNDED),
                 (Termination.INTERRUPTED, RunStatus.INTERRUPTED))


def _termination(status: highspy.HighsModelStatus) -> Termination:
    return next((termination for termination, statuses in _TERMINATIONS if status in statuses), Termination.ERROR)


def solve(model: pyo.ConcreteModel, options: SolveOptions | None = None,
          start: StartHeuristic | None = None, progress: ProgressCallback | None = None) -> SolveOutcome:
    """Solve ``model`` with HiGHS and load the incumbent into it when there is one.

    ``start`` (default ``rounding_start``, run when ``options.rounding_start``) has until
    ``START_SHARE_OF_TIME_LIMIT`` of the time limit; unless its point is already proven within ``mip_gap``
    by the bound found with it, the whole MIP then runs for the time left, and the better point and the
    better bound of the two are kept. ``progress`` is called as better plans and bounds are found; with
    ``options.verbose`` HiGHS's log goes to this module's logger (stderr in the CLI), never to stdout."""
    options = (options or SolveOptions()).with_defaults()
    started = time.perf_counter()
    instance = HighsInstance(model, _highs_options(options))
    with _sigint_stops(instance):
        return _solve_on(instance, options, start, progress, started)


@contextmanager
def _sigint_stops(instance: HighsInstance) -> Iterator[None]:
    """Ctrl-C stops HiGHS at its next check instead of waiting for the time limit (Python cannot interrupt
    it inside C++); the run then raises KeyboardInterrupt. Only the main thread can own signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def request_stop(signum, frame) -> None:
        instance.interrupt_requested = True

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _solve_on(instance: HighsInstance, options: SolveOptions, start: StartHeuristic | None,
              progress: ProgressCallback | None, started: float) -> SolveOutcome:
    deadline = started + options.time_limit_s
    tracker = _Tracker(progress, started) if progress is not None else None
    instance.listen(tracker.on_incumbent if tracker else None, _log_line if options.verbose else None)
    begun = None
    if options.rounding_start:
        begun = (start or rounding_start)(instance, options, started + START_SHARE_OF_TIME_LIMIT * options.time_limit_s)
    if tracker:
        tracker.enter_mip(begun)
    final = None
    if begun is None or relative_gap(begun.objective, begun.bound) > options.mip_gap:
        # Not started from ``begun``: with an incumbent, HiGHS's objective propagation inside its root
        # rounding heuristic can run far past the time limit on thousands of wide-ranging integer counts.
        final = instance.run(seconds_left(deadline), mip_gap=options.mip_gap)
    outcome = _outcome(begun, final, options, time.perf_counter() - started, instance)
    log.info("solved: %s objective=%s bound=%s gap=%.3g in %.2fs", outcome.termination, outcome.objective,
             outcome.bound, outcome.gap, outcome.solve_s)
    return outcome


def _outcome(begun: Start | None, final: RunResult | None, options: SolveOptions, solve_s: float,
             instance: HighsInstance) -> SolveOutcome:
    """The better of the start and the MIP run, with the better of their bounds."""
    candidates = [(begun.objective, begun.values)] if begun is not None else []
    if final is not None and final.has_solution:
        candidates.append((final.objective, final.values))
    bound = max(begun.bound if begun is not None else -math.inf, final.bound if final is not None else -math.inf)
    objective, values = min(candidates, key=lambda c: c[0]) if candidates else (math.nan, None)
    if values is not None:
        instance.load(values)
    gap = relative_gap(objective, bound)
    if final is None or (values is not None and gap <= options.mip_gap):
        termination = Termination.OPTIMAL
    else:
        termination = _termination(final.status)
    if termination is Termination.OPTIMAL and not math.isfinite(bound):
        bound, gap = objective, 0.0
    return SolveOutcome(termination=termination, has_solution=values is not None, objective=float(objective),
                        bound=float(bound), gap=gap, solve_s=solve_s, solver=f"highs {solver_version()}")
