"""The compiled HiGHS instance: the model HiGHS sees is the Pyomo model, and in-place changes are undone."""

import math

import numpy as np
import pyomo.environ as pyo
import pytest

from planner.errors import SolveError
from planner.highs import HighsInstance, RunStatus
from planner.solve import SolveOptions, Termination, solve

pytestmark = pytest.mark.solver


def small_mip() -> pyo.ConcreteModel:
    """min 3x + 2y + 4z + 1 with x integer in [0, 10], y >= 0, z binary, w fixed at 2:
    2 <= x + y + w <= 6.5 (ranged, with a fixed variable), x - 2z >= 0.5, y <= 1.25 + 0.5 w.
    Integer optimum: z = 0, x = 1, y = 0 (x + y >= 0 holds, x >= 0.5 forces x >= 1): cost 3 + 1 = 4."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 10))
    m.y = pyo.Var(domain=pyo.NonNegativeReals)
    m.z = pyo.Var(domain=pyo.Binary)
    m.w = pyo.Var(initialize=2.0)
    m.w.fix()
    m.ranged = pyo.Constraint(expr=pyo.inequality(2, m.x + m.y + m.w, 6.5))
    m.link = pyo.Constraint(expr=m.x - 2 * m.z >= 0.5)
    m.cap = pyo.Constraint(expr=m.y <= 1.25 + 0.5 * m.w)
    m.cost = pyo.Objective(expr=3 * m.x + 2 * m.y + 4 * m.z + 1)
    return m


def test_compiled_model_solves_to_the_hand_optimum_and_loads_values():
    m = small_mip()
    instance = HighsInstance(m, {"threads": 1})
    assert len(instance.columns) == 3  # the fixed variable is a constant
    run = instance.run(10, mip_gap=0.0)
    assert run.status in RunStatus.OPTIMAL and run.objective == pytest.approx(4.0)
    instance.load(run.values)
    assert (m.x.value, m.y.value, m.z.value) == (1.0, 0.0, 0.0)
    assert instance.objective_of(run.values) == pytest.approx(pyo.value(m.cost))


def test_relaxation_and_bound_changes_are_undone_after_each_run():
    instance = HighsInstance(small_mip(), {"threads": 1})
    x = int(instance.positions([instance.model.x])[0])
    lp = instance.run(10, mip_gap=0.0, relax=instance.all)
    assert lp.objective == pytest.approx(3 * 0.5 + 1) and lp.bound == pytest.approx(lp.objective)
    forced = instance.run(10, mip_gap=0.0, lower={x: 3.0})
    assert forced.objective == pytest.approx(3 * 3 + 1)
    again = instance.run(10, mip_gap=0.0)
    assert again.objective == pytest.approx(4.0) and instance.lower[x] == 0.0


def test_a_start_point_is_accepted_and_the_optimum_still_found():
    instance = HighsInstance(small_mip(), {"threads": 1})
    start = np.array([3.0, 0.0, 1.0])  # feasible, cost 14
    run = instance.run(10, mip_gap=0.0, start=start)
    assert run.objective == pytest.approx(4.0)


def test_infeasible_model_reports_no_solution():
    m = small_mip()
    m.impossible = pyo.Constraint(expr=m.x >= 11)
    outcome = solve(m, SolveOptions(time_limit_s=10))
    assert outcome.termination is Termination.INFEASIBLE and not outcome.has_solution
    assert math.isnan(outcome.objective)


def test_nonlinear_or_maximised_models_are_refused_with_a_clear_error():
    m = small_mip()
    m.bilinear = pyo.Constraint(expr=m.x * m.y <= 3)
    with pytest.raises(SolveError, match="bilinear"):
        HighsInstance(m, {})
    m = small_mip()
    m.cost.sense = pyo.maximize
    with pytest.raises(SolveError, match="minimised"):
        HighsInstance(m, {})
