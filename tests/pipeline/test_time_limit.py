"""A solve cut short by its time limit returns the incumbent with bound and gap, flagged, not an error."""

import math

import pytest

from random_instances import random_siting
from planner.extract import extract
from planner.mip.build import build_model
from planner.solve import SolveOptions, Termination, solve
from planner.verify import verify

pytestmark = [pytest.mark.solver, pytest.mark.slow]


def cut_short():
    """A random siting instance cut short by its time limit with an incumbent and a bound in hand. Neither the
    machine's speed nor its load is assumed: the instance doubles while the limit proves it optimal, and the
    limit grows while the cut comes before any incumbent."""
    scale, time_limit_s = 1, 1.5
    for _ in range(8):
        inputs = random_siting(n_regions=300 * scale, n_sites=80 * scale, seed=0)
        model = build_model(inputs)
        outcome = solve(model, SolveOptions(time_limit_s=time_limit_s, mip_gap=0.0))
        if outcome.termination is Termination.OPTIMAL:
            scale *= 2
        elif not (outcome.has_solution and math.isfinite(outcome.bound)):
            time_limit_s *= 3
        else:
            return inputs, model, outcome
    pytest.fail("no instance was cut short with an incumbent and a bound")


def test_time_limit_returns_incumbent_with_gap():
    inputs, model, outcome = cut_short()
    assert outcome.termination is Termination.TIME_LIMIT
    assert not outcome.is_optimal
    assert outcome.has_solution and math.isfinite(outcome.bound)
    assert outcome.bound <= outcome.objective + 1e-9
    assert outcome.gap == pytest.approx((outcome.objective - outcome.bound) / outcome.objective)
    plan = extract(model, inputs, outcome, "random")
    assert plan.status is Termination.TIME_LIMIT and plan.gap > 0
    assert verify(plan, inputs).ok
