"""The p-median stages on their own: local search, Lagrangian bound and fixings, the radius model arrays,
and the generator of OR-Library-shaped graphs. Each is checked against brute force on small graphs."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from planner.io.orlib import PMedianInstance, floyd_warshall, read_pmedinfo
from planner.mip.facility import solve_facility
from planner.mip.pmedian import (
    assignment_cost,
    build_radius_model,
    candidate_cutoff,
    greedy,
    improvement_threshold,
    lagrangian,
    lagrangian_tree,
    model_point,
    node_lagrangian,
    swap_search,
)
from planner.solve import SolveOptions, Termination

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import gen_pmed  # noqa: E402


def _graph(seed: int, n: int = 10, p: int = 3) -> PMedianInstance:
    rng = np.random.default_rng(seed)
    weight = np.where(rng.random((n, n)) < 0.35, rng.integers(1, 20, (n, n)).astype(float), np.inf)
    weight = np.minimum(weight, weight.T)
    ring = np.arange(n)
    weight[ring, (ring + 1) % n] = weight[(ring + 1) % n, ring] = 15.0
    np.fill_diagonal(weight, 0)
    return PMedianInstance(name=f"g{seed}", n=n, p=p, distance=floyd_warshall(weight))


def _all_solutions(inst: PMedianInstance) -> list[tuple[tuple[int, ...], float]]:
    return [(s, assignment_cost(inst.distance, np.array(s))) for s in itertools.combinations(range(inst.n), inst.p)]


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(4))
def test_swap_search_ends_where_no_single_swap_improves(seed):
    inst = _graph(seed, n=12, p=4)
    sites = swap_search(inst.distance, greedy(inst.distance, inst.p))
    cost = assignment_cost(inst.distance, sites)
    for out, into in itertools.product(sites, np.setdiff1d(np.arange(inst.n), sites)):
        swapped = np.where(sites == out, into, sites)
        assert assignment_cost(inst.distance, swapped) >= cost - 1e-9


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_bound_and_fixings_hold_for_every_better_solution(seed):
    inst = _graph(seed)
    solutions = _all_solutions(inst)
    worst = max(solutions, key=lambda s: s[1])  # a poor incumbent, so that fixings have better solutions to keep
    lag = lagrangian(inst.distance, inst.p, np.array(worst[0]), integral=True, max_iterations=200,
                     deadline=float("inf"))
    optimum = min(cost for _, cost in solutions)
    assert lag.bound <= optimum + 1e-9
    assert lag.best_cost >= optimum
    target = improvement_threshold(lag.best_cost, integral=True)
    better = [s for s, cost in solutions if cost < target]
    for sites, _ in better:
        assert not lag.closed[list(sites)].any()
        assert set(np.flatnonzero(lag.opened)) <= set(sites)
    if not better:  # the bound itself proved the incumbent optimal
        assert lag.best_cost == optimum


@pytest.mark.unit
def test_lagrangian_reaches_the_lp_bound_of_pmed1(orlib_dir):
    inst = read_pmedinfo(orlib_dir / "pmed1.txt")
    sites = swap_search(inst.distance, greedy(inst.distance, inst.p))
    lag = lagrangian(inst.distance, inst.p, sites, integral=True, max_iterations=300, deadline=float("inf"))
    assert 5818 < lag.bound <= 5819  # optimum 5819 and an integral LP (the published value is proven at the root)


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(6))
def test_node_bound_and_fixings_hold_for_every_better_solution_in_the_node(seed):
    """At a node (site a forced open, site b closed) from a poor incumbent: the bound is below every solution
    of the node, and no better solution of the node breaks a fixing."""
    inst = _graph(seed, n=11, p=3)
    solutions = _all_solutions(inst)
    upper = max(cost for _, cost in solutions)
    target = improvement_threshold(upper, integral=True)
    opened, closed = np.zeros(inst.n, bool), np.zeros(inst.n, bool)
    opened[seed % inst.n], closed[(seed + 5) % inst.n] = True, True
    in_node = [(s, c) for s, c in solutions if opened[list(s)].sum() == 1 and not closed[list(s)].any()]
    node = node_lagrangian(inst.distance, inst.p, opened, closed, inst.distance.min(axis=0) + 5.0, upper,
                           target, iterations=50, mu=1.0)
    assert node.bound <= min(c for _, c in in_node) + 1e-9
    assert node.opened[seed % inst.n] and node.closed[(seed + 5) % inst.n]
    for sites, cost in in_node:
        if cost < target:
            assert not node.closed[list(sites)].any() and set(np.flatnonzero(node.opened)) <= set(sites)


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_tree_proves_the_brute_force_optimum_from_the_worst_start(seed):
    """Two subgradient steps per node are too few to close a node by bound alone: the tree has to branch."""
    inst = _graph(seed, n=12, p=4)
    solutions = _all_solutions(inst)
    worst = np.array(max(solutions, key=lambda s: s[1])[0])
    optimum = min(cost for _, cost in solutions)
    found = lagrangian_tree(inst.distance, inst.p, np.arange(inst.n), np.zeros(0, int),
                            inst.distance[worst].min(axis=0), worst, integral=True, deadline=float("inf"),
                            node_iterations=2)
    assert found.finished and found.nodes > 1
    assert found.upper == pytest.approx(optimum) and found.bound == pytest.approx(optimum)
    assert assignment_cost(inst.distance, found.sites) == pytest.approx(optimum) and len(found.sites) == inst.p


@pytest.mark.solver
@pytest.mark.parametrize("search", ["tree", "radius"])
def test_both_searches_prove_the_published_pmed2_optimum(orlib_dir, search):
    import planner.mip.pmedian as pmedian

    solved = pmedian.solve_pmedian(read_pmedinfo(orlib_dir / "pmed2.txt"), SolveOptions(mip_gap=1e-9),
                                   pmedian.PMedianOptions(search=search))
    assert solved.status is Termination.OPTIMAL and solved.objective == 4093 and solved.bound == 4093
    assert ("tree_nodes" in solved.stats) == (search == "tree")


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(3))
def test_radius_model_prices_each_point_at_its_truncated_distance(seed):
    inst = _graph(seed, n=9, p=3)
    candidates = np.arange(inst.n)
    cutoff = candidate_cutoff(inst.distance, inst.p)
    radius = np.minimum(cutoff, np.array([3.0, 50.0, 0.0, 8.0, 12.0, 100.0, 5.0, 7.0, 30.0]))
    model = build_radius_model(inst.distance, inst.p, radius, candidates)
    kept = np.where(inst.distance <= radius[None, :], inst.distance, -np.inf).max(axis=0)  # largest radius kept
    dense = np.zeros((model.n_rows, model.n_cols))  # the count row is the last
    for row in range(model.n_rows):
        cols = model.index[model.start[row]:model.start[row + 1]]
        dense[row, cols] = model.value[model.start[row]:model.start[row + 1]]
    for sites, _ in _all_solutions(inst)[::7]:
        point = model_point(model, inst.distance, np.array(sites))
        activity = dense @ point
        assert np.all(activity >= model.row_lower - 1e-9) and np.all(activity <= model.row_upper + 1e-9)
        reach = inst.distance[list(sites)].min(axis=0)
        assert model.cost @ point + model.offset == pytest.approx(np.minimum(reach, kept).sum())


@pytest.mark.solver
@pytest.mark.parametrize("seed", range(3))
def test_poor_radii_grow_until_the_optimum_is_proven(seed, monkeypatch):
    """Truncated at a poor incumbent's distances the first model is a loose relaxation: rounds must follow."""
    import planner.mip.pmedian as pmedian

    inst = _graph(seed, n=14, p=3)
    optimum = min(cost for _, cost in _all_solutions(inst))
    monkeypatch.setattr(pmedian, "greedy", lambda distance, p, allowed=None: np.arange(p))
    solved = pmedian.solve_pmedian(inst, SolveOptions(mip_gap=1e-9),
                                   pmedian.PMedianOptions(heuristic=False, lagrangian=False))
    assert solved.status is Termination.OPTIMAL and solved.objective == pytest.approx(optimum)
    assert solved.stats["rounds"] >= 1


@pytest.mark.solver
def test_disconnected_graph_with_too_few_medians_is_infeasible():
    weight = np.full((4, 4), np.inf)
    weight[0, 1] = weight[1, 0] = weight[2, 3] = weight[3, 2] = 1.0
    np.fill_diagonal(weight, 0)
    distance = floyd_warshall(weight)
    one = solve_facility(PMedianInstance("split", 4, 1, distance), "pmedian")
    assert one.status is Termination.INFEASIBLE
    two = solve_facility(PMedianInstance("split", 4, 2, distance), "pmedian")
    assert two.status is Termination.OPTIMAL and two.objective == 2.0


@pytest.mark.unit
def test_generator_gives_the_published_shapes_connected_and_repeatable(tmp_path):
    for case in (1, 5):
        path = tmp_path / f"g{case}.txt"
        path.write_text(gen_pmed.case_text(case))
        inst = read_pmedinfo(path)
        n, n_edges, p = gen_pmed.SHAPES[case]
        assert (inst.n, inst.p) == (n, p)
        tokens = path.read_text().split()
        edges = np.array(tokens[3:], dtype=int).reshape(-1, 3)
        assert int(tokens[1]) == len(edges) == n_edges
        pairs = {(min(i, j), max(i, j)) for i, j, _ in edges.tolist()}
        assert len(pairs) == n_edges and all(i != j for i, j in pairs)
        assert edges[:, 2].min() >= 1 and edges[:, 2].max() <= 100
        assert nx.is_connected(nx.Graph(list(pairs))) and np.isfinite(inst.distance).all()
        assert gen_pmed.case_text(case) == path.read_text()
    assert gen_pmed.case_text(2) != gen_pmed.case_text(3)  # same shape, different seed
    assert gen_pmed.parse_cases("1-3,38") == [1, 2, 3, 38]
