"""A solve cut short by its time limit returns the incumbent with bound and gap, flagged, not an error."""

import math

import pytest

from random_instances import random_siting
from planner.extract import extract
from planner.mip.build import build_model
from planner.solve import SolveOptions, Termination, solve
from planner.verify import verify

pytestmark = pytest.mark.solver


def test_time_limit_returns_incumbent_with_gap():
    inputs = random_siting(n_regions=300, n_sites=80, seed=0)  # about 10 s to prove optimal on 2 cores
    model = build_model(inputs)
    outcome = solve(model, SolveOptions(time_limit_s=1.5, mip_gap=0.0))
    assert outcome.termination is Termination.TIME_LIMIT
    assert not outcome.is_optimal
    assert outcome.has_solution and math.isfinite(outcome.bound)
    assert outcome.bound <= outcome.objective + 1e-9
    assert outcome.gap == pytest.approx((outcome.objective - outcome.bound) / outcome.objective)
    plan = extract(model, inputs, outcome, "random")
    assert plan.status is Termination.TIME_LIMIT and plan.gap > 0
    assert verify(plan, inputs).ok
