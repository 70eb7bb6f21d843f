"""The facility-location core against the published OR-Library optima and against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import highspy

from planner.io.orlib import CapInstance, PMedianInstance, floyd_warshall, read_capinfo, read_pmedinfo
from planner.mip.facility import FacilityProblem, build_location_model, evaluate, solve_facility
from planner.mip.pmedian import PMedianOptions
from planner.solve import SolveOptions, Termination

PUBLISHED = [
    ("cap41.txt", FacilityProblem.CFLP, 1040444.375),
    ("cap71.txt", FacilityProblem.CFLP, 932615.750),
    ("cap71.txt", FacilityProblem.UFLP, 932615.750),
    ("pmed1.txt", FacilityProblem.PMEDIAN, 5819),
    ("pmed2.txt", FacilityProblem.PMEDIAN, 4093),
]


def _read(path, problem):
    return read_pmedinfo(path) if problem is FacilityProblem.PMEDIAN else read_capinfo(path)


@pytest.mark.solver
@pytest.mark.parametrize(("file", "problem", "optimum"), PUBLISHED, ids=[f"{f}-{p}" for f, p, _ in PUBLISHED])
def test_published_optimum(orlib_dir, file, problem, optimum):
    inst = _read(orlib_dir / file, problem)
    result = solve_facility(inst, problem, SolveOptions(mip_gap=1e-9))
    assert result.status is Termination.OPTIMAL
    assert result.objective == pytest.approx(optimum, abs=1e-3)
    assert result.bound == pytest.approx(optimum, abs=1e-3)
    assert evaluate(inst, result) == pytest.approx(optimum, abs=1e-3)
    assert result.build_s >= 0 and result.solve_s > 0
    if problem is not FacilityProblem.PMEDIAN:  # p-median: zero when the Lagrangian bound proved it, no MIP
        assert result.n_vars > 0 and result.n_cons > 0


@pytest.mark.solver
def test_cflp_solution_respects_capacity_and_serves_everyone(orlib_dir):
    inst = read_capinfo(orlib_dir / "cap41.txt")
    result = solve_facility(inst, "cflp")
    share = result.assignment
    np.testing.assert_allclose(share.sum(axis=0), 1.0, atol=1e-6)
    load = share @ inst.demand
    assert np.all(load <= inst.capacity + 1e-6)
    closed = np.setdiff1d(np.arange(inst.n_sites), result.open_sites)
    assert np.all(share[closed] <= 1e-9)


def _brute_force_cflp(inst: CapInstance, capacitated: bool) -> float:
    """Enumerate open sets; for each solve the transportation LP (split demand) with scipy."""
    m, n = inst.n_sites, inst.n_customers
    best = np.inf
    for k in range(1, m + 1):
        for subset in itertools.combinations(range(m), k):
            cap = inst.capacity[list(subset)]
            if capacitated and cap.sum() < inst.demand.sum():
                continue
            cost = inst.cost[list(subset)].ravel()
            a_eq = np.tile(np.eye(n), k)
            a_ub = np.kron(np.eye(k), inst.demand[None, :]) if capacitated else None
            rows = np.vstack([a_eq, a_ub]) if capacitated else a_eq
            upper = np.concatenate([np.ones(n), cap]) if capacitated else np.ones(n)
            lower = np.concatenate([np.ones(n), np.full(k, -np.inf)]) if capacitated else np.ones(n)
            value = _lp_value(cost, rows, lower, upper)
            best = min(best, value + inst.fixed_cost[list(subset)].sum())
    return best


def _lp_value(cost: np.ndarray, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """min cost @ x, lower <= rows @ x <= upper, 0 <= x <= 1, with highspy directly (inf if infeasible)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cost), rows.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, np.zeros(len(cost)), np.ones(len(cost))
    lp.row_lower_, lp.row_upper_ = lower, upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    nonzero = rows.T != 0
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nonzero.sum(axis=1))])
    lp.a_matrix_.index_ = np.nonzero(nonzero)[1]
    lp.a_matrix_.value_ = rows.T[nonzero]
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return np.inf
    return h.getInfo().objective_function_value


def _random_cap(seed: int, m: int = 5, n: int = 7) -> CapInstance:
    rng = np.random.default_rng(seed)
    demand = rng.integers(1, 20, n).astype(float)
    return CapInstance(name=f"rand{seed}", capacity=rng.integers(30, 60, m).astype(float),
                       fixed_cost=rng.integers(0, 60, m).astype(float), demand=demand,
                       cost=rng.integers(1, 30, (m, n)) * demand[None, :] / 5)


@pytest.mark.solver
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("problem", [FacilityProblem.CFLP, FacilityProblem.UFLP])
def test_small_instances_match_brute_force(seed, problem):
    inst = _random_cap(seed)
    result = solve_facility(inst, problem)
    assert result.status is Termination.OPTIMAL
    assert result.objective == pytest.approx(_brute_force_cflp(inst, problem is FacilityProblem.CFLP), abs=1e-6)


def _random_graph(seed: int, n: int = 9, p: int = 3) -> PMedianInstance:
    rng = np.random.default_rng(seed)
    weight = np.where(rng.random((n, n)) < 0.5, rng.integers(1, 9, (n, n)).astype(float), np.inf)
    weight = np.minimum(weight, weight.T)
    weight[np.arange(n - 1), np.arange(1, n)] = weight[np.arange(1, n), np.arange(n - 1)] = 5.0  # connected
    np.fill_diagonal(weight, 0)
    return PMedianInstance(name=f"g{seed}", n=n, p=p, distance=floyd_warshall(weight))


VARIANTS = {"all": PMedianOptions(), "no-lagrangian": PMedianOptions(lagrangian=False),
            "no-truncate": PMedianOptions(truncate=False), "greedy-only": PMedianOptions(heuristic=False),
            "mip-only": PMedianOptions(heuristic=False, lagrangian=False, truncate=False),
            "tree": PMedianOptions(search="tree"),
            "tree-only": PMedianOptions(heuristic=False, lagrangian=False, search="tree")}


@pytest.mark.solver
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("variant", VARIANTS)
def test_pmedian_matches_brute_force(seed, variant):
    inst = _random_graph(seed)
    best = min(inst.distance[list(s)].min(axis=0).sum() for s in itertools.combinations(range(inst.n), inst.p))
    result = solve_facility(inst, "pmedian", SolveOptions(mip_gap=1e-9), pmedian=VARIANTS[variant])
    assert result.status is Termination.OPTIMAL
    assert result.objective == pytest.approx(best, abs=1e-9)
    assert result.bound == pytest.approx(best, abs=1e-9)
    assert len(result.open_sites) == inst.p
    assert evaluate(inst, result) == pytest.approx(best, abs=1e-9)


@pytest.mark.unit
def test_location_model_structure():
    inst = _random_cap(0, m=4, n=6)
    m = build_location_model(inst, FacilityProblem.CFLP)
    assert len(m.open_site) == 4 and len(m.serve_share) == 24
    assert len(m.demand_met) == 6 and len(m.serve_only_open) == 24 and len(m.site_capacity) == 4
    assert m.total_capacity_cut.lower == pytest.approx(inst.demand.sum())
    assert len(m.cost_terms) == 2
    uflp = build_location_model(inst, FacilityProblem.UFLP)
    assert not hasattr(uflp, "site_capacity") and not hasattr(uflp, "total_capacity_cut")


@pytest.mark.unit
def test_location_model_drops_closed_sites_and_fixes_opened():
    inst = _random_cap(1, m=4, n=6)
    m = build_location_model(inst, FacilityProblem.CFLP, closed=np.array([False, True, False, False]),
                             opened=np.array([True, False, False, False]))
    assert list(m.SITES) == [0, 2, 3] and len(m.serve_share) == 18
    assert m.open_site[0].fixed and m.open_site[0].value == 1
