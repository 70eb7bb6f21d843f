"""Exact reductions keep the optimum; the siting start gives HiGHS a feasible plan and a valid bound."""

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from known_answers import two_towns
from random_instances import random_siting
from planner.extract import extract
from planner.mip.build import build_model
from planner.highs import HighsInstance
from planner.mip.heuristics import siting_start, supported_sites
from planner.mip.reduce import expand_plan, poolable_classes, reduce_inputs
from planner.solve import SolveOptions, SolveOutcome, Termination, solve
from planner.verify import verify

pytestmark = pytest.mark.solver

EXACT = SolveOptions(mip_gap=0.0, rounding_start=False)


def everywhere(inputs):
    """Both regions may use both sites (the sites sit next to each other), latency free: poolable."""
    arcs = pd.DataFrame({"rtt_ms": 5.0}, index=pd.MultiIndex.from_product(
        [["North", "South"], ["interactive"], ["A", "B"]], names=["region", "service_class", "site"]))
    return replace(inputs, serve_arcs=arcs, sites=inputs.sites.assign(lat=[5.0, 5.0]),
                   regions=inputs.regions.assign(lat=[5.0, 5.0]))


def test_pooling_keeps_the_optimum_and_expands_to_a_verified_plan():
    inputs = everywhere(two_towns(max_grid_mw=(0.006, 0.02)))
    assert poolable_classes(inputs) == ["interactive"]
    reduction = reduce_inputs(inputs)
    assert len(reduction.inputs.demand_tokens_per_s) == 1
    pooled_model, plain_model = build_model(reduction.inputs), build_model(inputs)
    pooled, plain = solve(pooled_model, EXACT), solve(plain_model, EXACT)
    assert pooled.objective == pytest.approx(plain.objective, rel=1e-9)
    plan = expand_plan(extract(pooled_model, reduction.inputs, pooled, "h"), reduction, inputs)
    assert set(plan.serving["region"]) == {"North", "South"}
    assert plan.metadata["pooled_classes"] == ["interactive"]
    assert verify(plan, inputs).ok, str(verify(plan, inputs))


def test_latency_cost_or_redundancy_prevents_pooling():
    inputs = everywhere(two_towns())
    priced = replace(inputs, latency_cost_usd_per_tokens_per_s_ms_year=pd.Series({"interactive": 1.0}))
    shared = replace(inputs, max_site_share=pd.Series({"interactive": 0.5}))
    assert poolable_classes(priced) == [] and poolable_classes(shared) == []
    assert poolable_classes(two_towns()) == []  # not every pair is within reach


@pytest.mark.slow
def test_siting_start_is_feasible_and_brackets_the_optimum():
    inputs = random_siting(n_regions=60, n_sites=20, seed=3)
    exact = solve(build_model(inputs), EXACT)
    model = build_model(inputs)
    instance = HighsInstance(model, {"threads": 1})
    start = siting_start(instance, SolveOptions(mip_gap=0.0), deadline=time.perf_counter() + 120)
    assert start.bound <= exact.objective * (1 + 1e-9) and exact.objective <= start.objective * (1 + 1e-9)
    instance.load(start.values)
    assert pyo.value(model.total_cost_musd) == pytest.approx(start.objective, rel=1e-9)
    assert verify(extract(model, inputs, solve_outcome_of(model), "h"), inputs).ok
    started = solve(model, SolveOptions(mip_gap=0.0), start=siting_start)
    assert started.is_optimal and started.objective == pytest.approx(exact.objective, rel=1e-6)


def solve_outcome_of(model):
    """A SolveOutcome describing the values already loaded in ``model`` (for extraction)."""
    value = pyo.value(model.total_cost_musd)
    return SolveOutcome(Termination.TIME_LIMIT, True, value, float("nan"), float("inf"), 0.0, "start")


def test_lp_support_counts_barely_opened_large_sites_and_never_closes_everything():
    model = build_model(random_siting(n_regions=10, n_sites=3, seed=1))
    instance = HighsInstance(model, {"threads": 1})
    sites = list(model.SITES)

    def point(opened, load_mw):
        values = np.zeros(len(instance.columns))
        for site, open_share, load in zip(sites, opened, load_mw):
            values[instance.positions([model.open_site[site]])] = open_share
            values[instance.positions([model.grid_mw[site]])] = load
        return values

    # the second site is opened only 0.5% (a huge connection) but carries half the load; the third carries a sliver
    assert supported_sites(instance, point([0.5, 0.005, 0.005], [50.0, 50.0, 0.01])).tolist() == [True, True, False]
    assert supported_sites(instance, point([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])).all()
