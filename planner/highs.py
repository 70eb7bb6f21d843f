"""A Pyomo model compiled once into one HiGHS instance, re-solved in place.

A start heuristic solves the same model several times with different bounds or integrality (the LP
relaxation, a problem with chosen sites fixed, the whole MIP); passing the model to HiGHS once and changing
bounds in place keeps each of those runs to HiGHS's own time. Only ``planner.solve`` and this module talk
to the solver.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.repn.standard_repn import generate_standard_repn

from planner.errors import SolveError

INF = highspy.kHighsInf


def _absorb_banner() -> None:
    """HiGHS prints its banner to the C-level stdout when the process makes its first ``Highs`` (before any
    option can turn output off), and never again. Make that first instance with stdout pointed at
    /dev/null, so that the CLI's stdout holds only the summary or JSON it promises."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
            try:
                ctypes.CDLL(None).fflush(None)  # the banner may sit in the C stdio buffer of a pipe
            except (OSError, AttributeError):  # no C library handle to flush (not POSIX)
                pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_absorb_banner()


class RunStatus:
    """HiGHS model statuses, grouped the way ``planner.solve`` reports them."""

    OPTIMAL = {highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kModelEmpty}
    TIME_LIMIT = {highspy.HighsModelStatus.kTimeLimit}
    INFEASIBLE = {highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible}
    UNBOUNDED = {highspy.HighsModelStatus.kUnbounded}
    INTERRUPTED = {highspy.HighsModelStatus.kInterrupt, highspy.HighsModelStatus.kIterationLimit,
                   highspy.HighsModelStatus.kSolutionLimit, highspy.HighsModelStatus.kHighsInterrupt,
                   highspy.HighsModelStatus.kObjectiveBound, highspy.HighsModelStatus.kObjectiveTarget}


@dataclass(frozen=True)
class RunResult:
    """One HiGHS run: its status, best objective and proven bound (model units), and the column values."""

    status: highspy.HighsModelStatus
    objective: float
    """Objective of the best feasible point; nan when there is none."""
    bound: float
    """Proven lower bound on this run's problem (its optimum for an LP); -inf when none was proven."""
    values: np.ndarray | None
    """Column values of the best feasible point; None when there is none."""
    seconds: float
    row_duals: np.ndarray | None = None
    """An LP's row duals, d(objective)/d(row bound) (asked for with ``duals=True``); None otherwise."""
    col_duals: np.ndarray | None = None
    """An LP's reduced costs, d(objective)/d(column bound) at a bound the optimum sits on."""

    @property
    def has_solution(self) -> bool:
        return self.values is not None


@dataclass(frozen=True)
class Iis:
    """An irreducible infeasible subset: rows and columns whose bounds, kept together, admit no point."""

    rows: tuple[int, ...]
    columns: tuple[int, ...]


IIS_STRATEGY = int(highspy.IisStrategy.kIisStrategyFromLp) | int(highspy.IisStrategy.kIisStrategyIrreducible)


@dataclass(frozen=True)
class _Rows:
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


class HighsInstance:
    """``model`` (linear, minimised) as one ``highspy.Highs``. Columns are the model's unfixed variables in
    declaration order; fixed variables enter as constants."""

    def __init__(self, model: pyo.ConcreteModel, highs_options: dict[str, object]):
        self.model = model
        self.columns = [v for v in model.component_data_objects(pyo.Var, active=True, descend_into=True)
                        if not v.fixed]
        self._position = {id(v): j for j, v in enumerate(self.columns)}
        self.lower = np.array([-INF if v.lb is None else v.lb for v in self.columns], dtype=float)
        self.upper = np.array([INF if v.ub is None else v.ub for v in self.columns], dtype=float)
        self.is_integer = np.array([v.is_integer() for v in self.columns], dtype=bool)
        self._highs = highspy.Highs()
        # HiGHS's log never reaches the console (stdout belongs to the CLI's output); ``listen`` forwards it.
        for name, value in {"output_flag": False, **highs_options, "log_to_console": False}.items():
            self._highs.setOptionValue(name, value)
        self._highs.passModel(self._compile())
        self.interrupt_requested = False
        """Set (e.g. by a SIGINT handler) to stop the running solve at HiGHS's next check; ``run`` then raises
        KeyboardInterrupt."""
        for event in (self._highs.cbMipInterrupt, self._highs.cbSimplexInterrupt, self._highs.cbIpmInterrupt):
            event.subscribe(self._poll_interrupt)

    def _poll_interrupt(self, event) -> None:
        if self.interrupt_requested:
            event.data_in.user_interrupt = True

    def listen(self, on_incumbent: Callable[[float, float], None] | None = None,
               on_log: Callable[[str], None] | None = None) -> None:
        """Call ``on_incumbent(objective, mip_dual_bound)`` (model units) whenever a MIP run finds a better
        point or logs its progress, and ``on_log(line)`` for each line of HiGHS's log."""
        if on_incumbent is not None:
            def incumbent(event) -> None:
                data = event.data_out
                on_incumbent(float(data.objective_function_value), float(data.mip_dual_bound))

            self._highs.setOptionValue("output_flag", True)  # MIP logging events need the log on
            self._highs.cbMipImprovingSolution.subscribe(incumbent)
            self._highs.cbMipLogging.subscribe(incumbent)
        if on_log is not None:
            self._highs.setOptionValue("output_flag", True)
            self._highs.cbLogging.subscribe(lambda event: on_log(str(event.message).rstrip("\n")))

    def rows_of(self, constraint) -> np.ndarray:
        """Row positions of ``constraint`` (an indexed Constraint, a ConstraintData or a list of them), in
        order; inactive ones are skipped."""
        data = constraint.values() if hasattr(constraint, "values") else (
            constraint if isinstance(constraint, (list, tuple)) else [constraint])
        return np.array([self._row_position[id(c)] for c in data if id(c) in self._row_position], dtype=np.int32)

    def positions(self, variables: Iterable) -> np.ndarray:
        """Column positions of ``variables`` (an indexed Var or VarData); fixed ones are skipped."""
        data = variables.values() if hasattr(variables, "values") else variables
        return np.array([self._position[id(v)] for v in data if id(v) in self._position], dtype=np.int32)

    def run(self, time_limit_s: float, *, mip_gap: float, relax: np.ndarray | None = None,
            lower: dict[int, float] | None = None, upper: dict[int, float] | None = None,
            start: np.ndarray | None = None, row_lower: dict[int, float] | None = None,
            row_upper: dict[int, float] | None = None, duals: bool = False) -> RunResult:
        """Solve with the columns in ``relax`` continuous (all, with ``relax=self.all``) and the given column
        bounds; the model's own bounds and integrality are restored afterwards. ``start`` is a feasible
        point for HiGHS to begin from; on models with thousands of wide integer counts an incumbent can make
        HiGHS's objective propagation run far past the time limit, which is why ``planner.solve`` does not
        pass one to its whole-MIP run. ``row_lower``/``row_upper`` change row bounds for this run alone;
        ``duals`` returns an LP's row duals and reduced costs."""
        started = time.perf_counter()
        lower, upper = lower or {}, upper or {}
        changed = np.array(sorted(set(lower) | set(upper)), dtype=np.int32)
        row_lower, row_upper = row_lower or {}, row_upper or {}
        rows = np.array(sorted(set(row_lower) | set(row_upper)), dtype=np.int32)
        relax = np.zeros(0, dtype=np.int32) if relax is None else relax[self.is_integer[relax]]
        try:
            self._set_bounds(changed, [lower.get(j, self.lower[j]) for j in changed],
                             [upper.get(j, self.upper[j]) for j in changed])
            self._set_row_bounds(rows, [row_lower.get(i, self.row_lower[i]) for i in rows],
                                 [row_upper.get(i, self.row_upper[i]) for i in rows])
            self._set_integrality(relax, highspy.HighsVarType.kContinuous)
            self._highs.setOptionValue("time_limit", max(float(time_limit_s), 0.1))
            self._highs.setOptionValue("mip_rel_gap", float(mip_gap))
            # Without this HiGHS takes the previous run's point as a partial start and spends up to a
            # whole time limit completing it before the actual solve.
            self._highs.clearSolver()
            if start is not None:
                self._set_start(start)
            self._highs.run()
            if self.interrupt_requested:
                raise KeyboardInterrupt
            return self._result(time.perf_counter() - started, is_mip=bool(self.is_integer.sum() > len(relax)),
                                duals=duals)
        finally:
            self._set_bounds(changed, self.lower[changed], self.upper[changed])
            self._set_row_bounds(rows, self.row_lower[rows], self.row_upper[rows])
            self._set_integrality(relax, highspy.HighsVarType.kInteger)

    def iis(self, time_limit_s: float, *, lower: dict[int, float] | None = None,
            upper: dict[int, float] | None = None) -> Iis | None:
        """An irreducible infeasible subset of the LP relaxation with the given column bounds (HiGHS's
        own IIS search); None when that LP is feasible or no subset was found in time."""
        lower, upper = lower or {}, upper or {}
        changed = np.array(sorted(set(lower) | set(upper)), dtype=np.int32)
        relax = np.flatnonzero(self.is_integer).astype(np.int32)
        try:
            self._set_bounds(changed, [lower.get(j, self.lower[j]) for j in changed],
                             [upper.get(j, self.upper[j]) for j in changed])
            self._set_integrality(relax, highspy.HighsVarType.kContinuous)
            self._highs.setOptionValue("time_limit", max(float(time_limit_s), 0.1))
            self._highs.setOptionValue("iis_strategy", IIS_STRATEGY)
            self._highs.clearSolver()
            self._highs.run()
            if self._highs.getModelStatus() not in RunStatus.INFEASIBLE:
                return None
            status, found = self._highs.getIis()
            if status == highspy.HighsStatus.kError or not found.valid_:
                return None
            return Iis(rows=tuple(int(i) for i in found.row_index_), columns=tuple(int(j) for j in found.col_index_))
        finally:
            self._set_bounds(changed, self.lower[changed], self.upper[changed])
            self._set_integrality(relax, highspy.HighsVarType.kInteger)

    @property
    def all(self) -> np.ndarray:
        return np.arange(len(self.columns), dtype=np.int32)

    def load(self, values: np.ndarray) -> None:
        """Write column values into the model's variables (integers rounded to the nearest integer)."""
        for var, value, integer in zip(self.columns, values, self.is_integer):
            var.set_value(float(round(value)) if integer else float(value), skip_validation=True)

    def objective_of(self, values: np.ndarray) -> float:
        return float(self._cost @ values + self._offset)

    def box_bound(self) -> float:
        """The least the objective can be with every column anywhere within its bounds (a valid if weak lower
        bound on any run; -inf when a cost pushes a column towards an infinite bound)."""
        used = self._cost != 0
        cost = self._cost[used]
        at = np.where(cost >= 0, self.lower[used], self.upper[used])
        if np.any(np.isinf(at)):
            return -math.inf
        return float(cost @ at + self._offset)

    # ----------------------------------------------------------------------------------------- internals

    def _compile(self) -> highspy.HighsLp:
        objective = _single_objective(self.model)
        repn = generate_standard_repn(objective.expr, quadratic=False)
        if not repn.is_linear():
            raise SolveError([], f"objective {objective.name} is not linear")
        cost = np.zeros(len(self.columns))
        for var, coef in zip(repn.linear_vars, repn.linear_coefs):
            cost[self._position[id(var)]] += coef
        self._cost, self._offset = cost, float(repn.constant)
        rows = self._rows()
        self.row_lower, self.row_upper = rows.lower, rows.upper
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.columns), len(rows.lower)
        lp.col_cost_, lp.offset_ = cost, self._offset
        lp.col_lower_, lp.col_upper_ = self.lower, self.upper
        lp.row_lower_, lp.row_upper_ = rows.lower, rows.upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = rows.start, rows.index, rows.value
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in self.is_integer]
        return lp

    def _rows(self) -> _Rows:
        start, index, value, lower, upper = [0], [], [], [], []
        self.constraints = list(self.model.component_data_objects(pyo.Constraint, active=True, descend_into=True))
        self._row_position = {id(con): i for i, con in enumerate(self.constraints)}
        for con in self.constraints:
            repn = generate_standard_repn(con.body, quadratic=False)
            if not repn.is_linear():
                raise SolveError([], f"constraint {con.name} is not linear")
            for var, coef in zip(repn.linear_vars, repn.linear_coefs):
                index.append(self._position[id(var)])
                value.append(coef)
            start.append(len(index))
            constant = float(repn.constant)
            lower.append(-INF if con.lb is None else float(con.lb) - constant)
            upper.append(INF if con.ub is None else float(con.ub) - constant)
        return _Rows(np.array(start, dtype=np.int32), np.array(index, dtype=np.int32), np.array(value, dtype=float),
                     np.array(lower, dtype=float), np.array(upper, dtype=float))

    def _set_bounds(self, columns: np.ndarray, lower, upper) -> None:
        if len(columns):
            self._highs.changeColsBounds(len(columns), columns, np.asarray(lower, dtype=float),
                                         np.asarray(upper, dtype=float))

    def _set_row_bounds(self, rows: np.ndarray, lower, upper) -> None:
        if len(rows):
            self._highs.changeRowsBounds(len(rows), rows, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))

    def _set_integrality(self, columns: np.ndarray, kind: highspy.HighsVarType) -> None:
        if len(columns):
            self._highs.changeColsIntegrality(len(columns), columns, np.full(len(columns), kind))

    def _set_start(self, values: np.ndarray) -> None:
        solution = highspy.HighsSolution()
        solution.col_value = list(map(float, values))  # as HiGHS found them: rounding may break rows slightly
        solution.value_valid = True
        self._highs.setSolution(solution)

    def _result(self, seconds: float, is_mip: bool, duals: bool = False) -> RunResult:
        status = self._highs.getModelStatus()
        info = self._highs.getInfo()
        feasible = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
        values = np.array(self._highs.getSolution().col_value) if feasible else None
        objective = float(info.objective_function_value) if feasible else math.nan
        if is_mip:
            bound = float(info.mip_dual_bound)
            bound = bound if math.isfinite(bound) else -math.inf
        else:
            bound = objective if status in RunStatus.OPTIMAL else -math.inf
        if status in RunStatus.OPTIMAL and feasible and not math.isfinite(bound):
            bound = objective
        row_duals = col_duals = None
        if duals and not is_mip and status in RunStatus.OPTIMAL:
            solution = self._highs.getSolution()
            row_duals, col_duals = np.array(solution.row_dual), np.array(solution.col_dual)
        return RunResult(status, objective, bound, values, seconds, row_duals, col_duals)


def _single_objective(model: pyo.ConcreteModel):
    objectives = list(model.component_data_objects(pyo.Objective, active=True))
    if len(objectives) != 1:
        raise SolveError([], f"the model needs exactly one active objective, it has {len(objectives)}")
    if objectives[0].sense != pyo.minimize:
        raise SolveError([], f"objective {objectives[0].name} must be minimised")
    return objectives[0]
