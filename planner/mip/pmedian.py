"""p-median, solved the way the fast exact methods do it: heuristic, Lagrangian bound and fixing, then a
truncated radius formulation built as arrays straight into HiGHS.

1. **Heuristic** (``greedy`` + ``swap_search``): greedy adding, then best-improvement swaps evaluated for all
   (insert, remove) pairs at once from each client's nearest and second-nearest open distance (the
   Resende-Werneck bookkeeping, one matrix product per sweep).
2. **Lagrangian** (``lagrangian``): the assignment constraints ``sum_i x_ij = 1`` relaxed with multipliers
   ``lam_j``; the subproblem opens the p sites with the most negative ``rho_i = sum_j min(0, d_ij - lam_j)``,
   so each subgradient step is one pass over the distance matrix. Its best value is a lower bound (at most
   the LP bound), and each step fixes sites by reduced cost: a site whose forced opening (swap with the p-th
   cheapest) or closing (swap with the (p+1)-th) lifts the bound to the incumbent cannot be in a better
   solution (Garcia, Labbe and Marin 2011, INFORMS J. Computing 23(4); Avella, Sassano and Vasil'ev 2007).
3. **Radius formulation** (Elloumi 2010, chained form; Garcia et al. 2011): per client j the distinct distances
   ``D_j^1 < ... < D_j^K`` to candidate sites and ``beyond[j, k]`` = 1 when no open site lies within D_j^k:
   ``beyond[j, 1] + sum_{d_ij = D_j^1} open[i] >= 1``,
   ``beyond[j, k] - beyond[j, k-1] + sum_{d_ij = D_j^k} open[i] >= 0``; cost
   ``sum_j D_j^1 + sum_k (D_j^{k+1} - D_j^k) beyond[j, k]``. Each (site, client) pair appears once, so the
   matrix has at most n^2 + 2 sum_j K_j nonzeros; its LP bound is the classic one.
   **Truncation**: client j's radii stop at ``R_j``, its distance to the incumbent's second-nearest median
   (and at the nearest site fixed open, and at its (n-p+1)-th nearest candidate, which p open sites always
   beat). Beyond R_j the model charges R_j, so it is a relaxation: its optimum is a lower bound, and when
   the solution it picks keeps every client within its R_j the bound is attained and the solution is
   optimal. Otherwise the radii of the clients left outside grow to their distance in that solution and
   the model is solved again. (Cut at the incumbent's own distance instead, every incumbent median costs
   nothing whatever is open and the first relaxation is loose: on a 300-vertex, p = 100 case its bound was
   450 against an optimum of 1,633, and six rounds followed; cut at the second-nearest, one round.)

4. **Lagrangian tree** (``lagrangian_tree``), used instead of the radius MIPs where there are at least 20
   vertices per median (small p): best-first branch and bound on the sites, each node bounded by a few
   subgradient steps from its parent's multipliers with its own reduced-cost fixing, branching on the site
   the node's subproblem chose most nearly half of the time (Christofides and Beasley 1982; Beasley 1993).
   For small p the radius LP is weak (0.2-1.7% below the optimum on the OR-Library shapes) and slow (its
   root LP alone took 20 s on a 600-vertex, p = 10 case, where HiGHS ended 300 s without a single node);
   one forced site moves the Lagrangian bound far, and the tree proves those cases in hundreds to a few
   thousand nodes. For large p the radius LP is near tight and the MIPs win (genpmed25, p = 167: 4 s against
   no proof in 60 s).

Each step is switchable (``PMedianOptions``) so that ``benchmarks/bench_orlib.py`` can show what it pays.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from planner.io.orlib import PMedianInstance
from planner.solve import SolveOptions, Termination, relative_gap

INTEGRALITY_TOL = 1e-6
SHARE_DECAY = 0.8
"""Weight kept by the earlier steps when a node averages its subproblem solutions into the branching hint
(measured: with 0.8, 811 and 1,471 nodes on genpmed27 and genpmed32; a plain average 1,109 and 1,547; 0.6,
1,243 and 1,215)."""


@dataclass(frozen=True)
class PMedianOptions:
    """Which accelerations run. All on is the default; the benchmark switches them off one at a time."""

    heuristic: bool = True
    lagrangian: bool = True
    truncate: bool = True
    lagrangian_max_iterations: int = 300
    lagrangian_max_share: float = 0.25
    """The subgradient loop stops after this share of the time limit."""
    search: str = "auto"
    """What proves the optimum once the Lagrangian has not: ``tree`` (Lagrangian branch and bound on the
    sites), ``radius`` (truncated radius MIPs in HiGHS) or ``auto``: the tree where there are at least
    ``tree_sites_per_median`` vertices per median (small p: the radius LP is weak and slow there, one forced
    site moves the Lagrangian bound far), the radius MIPs otherwise (large p: their LP is near tight)."""
    tree_sites_per_median: float = 20.0
    tree_node_iterations: int = 30


@dataclass(frozen=True)
class PMedianSolution:
    """The best medians found (0-based vertices), their objective, the proven bound and what it took."""

    open_sites: tuple[int, ...]
    objective: float
    bound: float
    gap: float
    status: Termination
    n_vars: int
    n_cons: int
    build_s: float
    solve_s: float
    stats: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ costs

def assignment_cost(distance: np.ndarray, sites: np.ndarray) -> float:
    return float(distance[np.asarray(sites)].min(axis=0).sum())


def _nearest_two(distance: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per client: position (in ``sites``) of the nearest open site, its distance, the second-nearest's."""
    block = distance[sites]
    if len(sites) == 1:
        return np.zeros(block.shape[1], int), block[0], np.full(block.shape[1], np.inf)
    two = np.argpartition(block, 1, axis=0)[:2]
    first, second = block[two[0], np.arange(block.shape[1])], block[two[1], np.arange(block.shape[1])]
    swap = second < first
    near = np.where(swap, two[1], two[0])
    return near, np.minimum(first, second), np.maximum(first, second)


# ------------------------------------------------------------------------------------------------ heuristic

def greedy(distance: np.ndarray, p: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Open, one at a time, the site that lowers the total distance most."""
    allowed = np.ones(distance.shape[0], bool) if allowed is None else allowed
    current = np.full(distance.shape[1], np.inf)
    chosen: list[int] = []
    for _ in range(p):
        gain = np.where(np.isinf(current), -distance, np.maximum(current - distance, 0.0)).sum(axis=1)
        gain[~allowed] = -np.inf
        gain[chosen] = -np.inf
        best = int(np.argmax(gain))
        chosen.append(best)
        current = np.minimum(current, distance[best])
    return np.array(sorted(chosen))


def swap_search(distance: np.ndarray, sites: np.ndarray, allowed: np.ndarray | None = None,
                deadline: float = math.inf) -> np.ndarray:
    """Best-improvement swaps until none improves (or ``deadline``): for every candidate c and open o,
    delta(c, o) = sum_{j: nearest(j) = o} [min(d_cj, d2_j) - min(d_cj, d1_j)] - sum_j max(0, d1_j - d_cj)."""
    sites = np.array(sorted(sites))
    n_sites = distance.shape[0]
    allowed = np.ones(n_sites, bool) if allowed is None else allowed
    if len(sites) in (0, int(allowed.sum())):
        return sites
    while time.perf_counter() < deadline:
        near, d1, d2 = _nearest_two(distance, sites)
        gain = np.maximum(d1[None, :] - distance, 0.0).sum(axis=1)
        extra = np.minimum(distance, d2[None, :]) - np.minimum(distance, d1[None, :])
        owner = np.zeros((distance.shape[1], len(sites)))
        owner[np.arange(distance.shape[1]), near] = 1.0
        delta = extra @ owner - gain[:, None]
        delta[~allowed] = np.inf
        delta[sites] = np.inf
        c, o = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if not delta[c, o] < -1e-9 * max(1.0, float(d1.sum())):
            break
        sites[o] = c
        sites.sort()
    return sites


# ------------------------------------------------------------------------------------------------ Lagrangian

@dataclass
class LagrangianResult:
    bound: float
    best_sites: np.ndarray
    best_cost: float
    closed: np.ndarray
    """Sites that no solution cheaper than the incumbent opens."""
    opened: np.ndarray
    """Sites that every solution cheaper than the incumbent opens."""
    iterations: int
    multipliers: np.ndarray
    """The multipliers of the best bound (the tree's start)."""


def improvement_threshold(upper: float, integral: bool) -> float:
    """A solution must cost less than this to beat ``upper``: ``upper - 1`` (plus slack) for integer data."""
    return upper - 1 + INTEGRALITY_TOL if integral else upper - 1e-9 * max(1.0, abs(upper))


def lagrangian(distance: np.ndarray, p: int, upper_sites: np.ndarray, integral: bool,
               max_iterations: int, deadline: float) -> LagrangianResult:
    """Subgradient on the relaxed assignment constraints, from lam_j = each client's incumbent distance.

    Polyak steps ``mu (UB - L) / |g|^2`` with mu halved after 20 steps without a better bound."""
    n_sites = distance.shape[0]
    best_sites = np.array(upper_sites)
    upper = assignment_cost(distance, best_sites)
    lam = distance[best_sites].min(axis=0).astype(float)
    closed, opened = np.zeros(n_sites, bool), np.zeros(n_sites, bool)
    best_bound, mu, stale, iterations = -math.inf, 2.0, 0, 0
    best_lam = lam
    while iterations < max_iterations and time.perf_counter() < deadline and mu > 1e-3:
        iterations += 1
        reduced = np.minimum(distance - lam[None, :], 0.0)
        rho = reduced.sum(axis=1)
        order = np.argsort(rho, kind="stable")
        chosen = order[:p]
        bound = float(lam.sum() + rho[chosen].sum())
        cost = assignment_cost(distance, chosen)
        if cost < upper:
            upper, best_sites = cost, np.sort(chosen)
        target = improvement_threshold(upper, integral)
        _fix_by_reduced_cost(rho, order, p, bound, target, closed, opened)
        if bound > best_bound + 1e-9:
            best_bound, best_lam, stale = bound, lam, 0
        else:
            stale += 1
            if stale >= 20:
                mu, stale = mu / 2, 0
        if best_bound >= target:
            break
        covered = (reduced[chosen] < 0).sum(axis=0)
        step = 1.0 - covered
        norm = float(step @ step)
        if norm == 0:
            break
        lam = lam + mu * (upper - bound) / norm * step
    return LagrangianResult(best_bound, best_sites, upper, closed, opened, iterations, best_lam)


def _fix_by_reduced_cost(rho: np.ndarray, order: np.ndarray, p: int, bound: float, target: float,
                         closed: np.ndarray, opened: np.ndarray) -> None:
    """Forcing site i open swaps it for the p-th cheapest; forcing it closed swaps in the (p+1)-th."""
    outside = order[p:]
    closed[outside[bound + rho[outside] - rho[order[p - 1]] >= target]] = True
    if p < len(order):
        inside = order[:p]
        opened[inside[bound - rho[inside] + rho[order[p]] >= target]] = True


# ------------------------------------------------------------------------------------------------ Lagrangian tree

@dataclass
class TreeResult:
    upper: float
    sites: np.ndarray
    bound: float
    """The smallest bound of a node left open (the incumbent's cost when none is)."""
    nodes: int
    finished: bool


@dataclass
class _NodeBound:
    bound: float
    multipliers: np.ndarray
    opened: np.ndarray
    closed: np.ndarray
    share: np.ndarray
    """How often each site was in the subproblem's solution: the branching hint (fractional ones first)."""
    chosen: np.ndarray | None
    iterations: int


def node_lagrangian(block: np.ndarray, p: int, opened: np.ndarray, closed: np.ndarray, lam: np.ndarray,
                    upper: float, target: float, iterations: int, mu: float) -> _NodeBound:
    """The Lagrangian at a node of the tree: sites ``opened`` forced in, ``closed`` out; each step fixes more
    by reduced cost (the same swap argument as at the root, within the node). The steps run on the rows of
    the sites not closed on entry, into one preallocated buffer (the distance pass is all the work)."""
    rows = np.flatnonzero(~closed)
    sub = block[rows]
    buffer = np.empty_like(sub)
    is_open, is_closed = opened[rows].copy(), np.zeros(len(rows), bool)
    share = np.zeros(len(rows))
    best, best_lam, best_chosen, stale, done = -math.inf, lam, None, 0, 0
    for done in range(1, iterations + 1):
        free = np.flatnonzero(~(is_open | is_closed))
        need = p - int(is_open.sum())
        if need < 0 or len(free) < need:
            best, best_chosen = math.inf, None
            break
        np.subtract(sub, lam[None, :], out=buffer)
        np.minimum(buffer, 0.0, out=buffer)
        rho = buffer.sum(axis=1)
        order = free[np.argsort(rho[free], kind="stable")]
        chosen = np.concatenate([np.flatnonzero(is_open), order[:need]])
        bound = float(lam.sum() + rho[chosen].sum())
        share *= SHARE_DECAY  # recent steps count more: the multipliers are better there
        share[chosen] += 1.0 - SHARE_DECAY
        if bound > best + 1e-9:
            best, best_lam, best_chosen, stale = bound, lam, chosen, 0
        else:
            stale += 1
            if stale >= 5:
                mu, stale = mu / 2, 0
        if 0 < need < len(order):
            last_in, first_out = rho[order[need - 1]], rho[order[need]]
            outside, inside = order[need:], order[:need]
            is_closed[outside[bound + rho[outside] - last_in >= target]] = True
            is_open[inside[bound - rho[inside] + first_out >= target]] = True
        if best >= target:
            break
        step = 1.0 - (buffer[chosen] < 0).sum(axis=0)
        norm = float(step @ step)
        if norm == 0:
            break
        lam = lam + mu * (upper - bound) / norm * step
    opened, closed = opened.copy(), closed.copy()
    opened[rows[is_open]], closed[rows[is_closed]] = True, True
    site_share = np.zeros(len(opened))
    site_share[rows] = share / (1.0 - SHARE_DECAY**done)
    return _NodeBound(best, best_lam, opened, closed, site_share,
                      None if best_chosen is None else rows[best_chosen], done)


def lagrangian_tree(distance: np.ndarray, p: int, candidates: np.ndarray, fixed_open: np.ndarray,
                    lam: np.ndarray, upper_sites: np.ndarray, integral: bool, deadline: float,
                    node_iterations: int = 30) -> TreeResult:
    """Best-first branch and bound on the sites, each node bounded by the Lagrangian from its parent's
    multipliers (Christofides and Beasley 1982; Beasley 1993). A node branches on the site its subgradient
    steps chose most nearly half of the time (the Lagrangian's view of a fractional site): open in one child,
    closed in the other. For small p one forced site moves the bound far, which is where the LP-based
    branch and bound of the radius model stalls (its root LP alone can take tens of seconds there)."""
    block = np.ascontiguousarray(distance[candidates])
    sites = np.array(upper_sites)
    upper = assignment_cost(distance, sites)
    opened = np.isin(candidates, fixed_open)
    heap: list = [(-math.inf, 0, opened, np.zeros(len(candidates), bool), lam)]
    pushed, nodes = 1, 0
    while heap and time.perf_counter() < deadline:
        target = improvement_threshold(upper, integral)
        if heap[0][0] >= target:
            break
        parent_bound, _, opened, closed, lam = heapq.heappop(heap)
        nodes += 1
        node = node_lagrangian(block, p, opened, closed, lam, upper, target, node_iterations, 1.0)
        for found in ([node.chosen] if node.chosen is not None else []) + (
                [np.flatnonzero(node.opened)] if node.opened.sum() == p else []):
            if len(found) == p and assignment_cost(block, found) < upper:
                sites = swap_search(distance, candidates[found], deadline=deadline)
                upper = assignment_cost(distance, sites)
                target = improvement_threshold(upper, integral)
        bound = max(node.bound, parent_bound)
        free = ~(node.opened | node.closed)
        if bound >= target or node.opened.sum() >= p or not free.any():
            continue
        # most nearly fractional first; among never-fractional sites one the subproblem keeps choosing
        hint = np.where(free, np.minimum(node.share, 1.0 - node.share) + 1e-6 * node.share, -1.0)
        branch = int(np.argmax(hint))
        with_site, without_site = node.opened.copy(), node.closed.copy()
        with_site[branch], without_site[branch] = True, True
        heapq.heappush(heap, (bound, pushed, with_site, node.closed, node.multipliers))
        heapq.heappush(heap, (bound, pushed + 1, node.opened, without_site, node.multipliers))
        pushed += 2
    target = improvement_threshold(upper, integral)
    finished = not heap or heap[0][0] >= target
    bound = upper if finished else min(heap[0][0], upper)
    return TreeResult(upper, np.sort(sites), bound, nodes, finished)


# ------------------------------------------------------------------------------------------------ radius model

@dataclass(frozen=True)
class RadiusModel:
    """The truncated radius formulation as row-wise arrays: columns ``open[candidates]`` then one
    ``beyond`` column per row (row r's own column is len(candidates) + r), and the count row last."""

    candidates: np.ndarray
    radius: np.ndarray
    """R_j: the largest radius kept per client (the model charges at most this)."""
    cost: np.ndarray
    offset: float
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    levels: np.ndarray
    """Distance of each beyond row (its radius D_j^k)."""
    row_client: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)


def candidate_cutoff(distance: np.ndarray, p: int) -> np.ndarray:
    """Per client the (n-p+1)-th smallest distance to a candidate: some open site always lies within it."""
    return np.partition(distance, distance.shape[0] - p, axis=0)[distance.shape[0] - p]


def build_radius_model(distance: np.ndarray, p: int, radius: np.ndarray, candidates: np.ndarray) -> RadiusModel:
    """Chained radius rows for the candidate sites; client j keeps the distances up to ``radius[j]`` and is
    charged at most the largest of them."""
    block = distance[candidates].T  # [client, candidate]
    n_clients, n_cand = block.shape
    order = np.argsort(block, axis=1, kind="stable")
    sorted_d = np.take_along_axis(block, order, axis=1)
    new_level = np.ones_like(sorted_d, dtype=bool)
    new_level[:, 1:] = sorted_d[:, 1:] != sorted_d[:, :-1]
    level = np.cumsum(new_level, axis=1) - 1
    within = sorted_d <= radius[:, None]
    n_levels = (new_level & within).sum(axis=1)  # K_j >= 1: the nearest candidate is always within
    n_rows_of = n_levels - 1
    row_offset = np.concatenate([[0], np.cumsum(n_rows_of)[:-1]])
    level_d = sorted_d[new_level & within]  # client-major, K_j values each
    level_start = np.concatenate([[0], np.cumsum(n_levels)[:-1]])
    not_last = np.ones(len(level_d), bool)
    not_last[level_start + n_levels - 1] = False
    step_idx = np.flatnonzero(not_last)
    z_cost = level_d[step_idx + 1] - level_d[step_idx]
    n_rows = int(n_rows_of.sum())
    row_client = np.repeat(np.arange(n_clients), n_rows_of)
    row_level = np.arange(n_rows) - row_offset[row_client]
    # open[i] enters the row of its own distance level, when that level has a row
    pair = within & (level < n_rows_of[:, None])
    pair_client, pair_k = np.nonzero(pair)
    y_rows = row_offset[pair_client] + level[pair_client, pair_k]
    y_cols = order[pair_client, pair_k]
    z_rows = np.arange(n_rows)
    prev = np.flatnonzero(row_level > 0)
    rows = np.concatenate([y_rows, z_rows, prev, np.full(n_cand, n_rows)])
    cols = np.concatenate([y_cols, n_cand + z_rows, n_cand + prev - 1, np.arange(n_cand)])
    vals = np.concatenate([np.ones(len(y_rows) + n_rows), -np.ones(len(prev)), np.ones(n_cand)])
    by_row = np.argsort(rows, kind="stable")
    start = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows + 1))]).astype(np.int32)
    lower = np.concatenate([np.where(row_level == 0, 1.0, 0.0), [float(p)]])
    upper = np.concatenate([np.full(n_rows, highspy.kHighsInf), [float(p)]])
    return RadiusModel(candidates=candidates, radius=radius, cost=np.concatenate([np.zeros(n_cand), z_cost]),
                       offset=float(sorted_d[:, 0].sum()), start=start, index=cols[by_row].astype(np.int32),
                       value=vals[by_row], row_lower=lower, row_upper=upper,
                       levels=level_d[step_idx], row_client=row_client)


def model_point(model: RadiusModel, distance: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Column values of ``sites`` opened: open = 1 there, beyond[j, k] = 1 when j's nearest is beyond D_j^k."""
    point = np.zeros(model.n_cols)
    point[np.flatnonzero(np.isin(model.candidates, sites))] = 1.0
    nearest = distance[sites].min(axis=0)
    point[len(model.candidates):] = (nearest[model.row_client] > model.levels).astype(float)
    return point


def _highs(model: RadiusModel, fixed_open: np.ndarray, options: SolveOptions, time_limit_s: float,
           mip_gap: float) -> highspy.Highs:
    n_cand = len(model.candidates)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = model.n_cols, model.n_rows
    lp.col_cost_, lp.offset_ = model.cost, model.offset
    lower = np.zeros(model.n_cols)
    lower[:n_cand] = np.isin(model.candidates, fixed_open).astype(float)
    lp.col_lower_, lp.col_upper_ = lower, np.ones(model.n_cols)
    lp.row_lower_, lp.row_upper_ = model.row_lower, model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = model.n_cols, model.n_rows
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = model.start, model.index, model.value
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [highspy.HighsVarType.kContinuous] * (
        model.n_cols - n_cand)
    h = highspy.Highs()
    for name, value in {"output_flag": options.verbose, "threads": options.threads,
                        "random_seed": options.random_seed, "time_limit": max(time_limit_s, 0.1),
                        "mip_rel_gap": mip_gap, **dict(options.highs_options)}.items():
        h.setOptionValue(name, value)
    h.passModel(lp)
    return h


# ------------------------------------------------------------------------------------------------ solve

def solve_pmedian(inst: PMedianInstance, options: SolveOptions | None = None,
                  accel: PMedianOptions | None = None) -> PMedianSolution:
    """Heuristic, Lagrangian fixing, then truncated radius MIPs until the chosen solution keeps to its radii."""
    options, accel = (options or SolveOptions()).with_defaults(), accel or PMedianOptions()
    started = time.perf_counter()
    deadline = started + options.time_limit_s
    distance, unreachable = _finite(inst.distance)
    search = _Search(distance, inst.p, bool(np.all(distance == np.round(distance))), options, deadline)
    search.heuristic(accel)
    if accel.lagrangian and inst.p < inst.n:
        search.lagrangian(accel)
    search.stats["presolve_s"] = time.perf_counter() - started
    if search.gap() > options.mip_gap:
        if accel.search == "tree" or (accel.search == "auto" and inst.n >= accel.tree_sites_per_median * inst.p):
            search.tree(accel)
        else:
            search.radius_rounds(accel.truncate)
    objective, bound, status = search.upper, min(search.bound, search.upper), search.status
    if unreachable and _uses_unreachable(inst.distance, search.sites):
        status, objective, bound = Termination.INFEASIBLE, math.inf, math.inf
    total_s = time.perf_counter() - started
    return PMedianSolution(open_sites=tuple(int(i) for i in search.sites), objective=float(objective),
                           bound=float(bound), gap=relative_gap(objective, bound), status=status,
                           n_vars=search.n_vars, n_cons=search.n_cons, build_s=search.build_s,
                           solve_s=total_s - search.build_s, stats=search.stats)


class _Search:
    """The incumbent, the proven bound and the fixings, as the stages of ``solve_pmedian`` improve them."""

    def __init__(self, distance: np.ndarray, p: int, integral: bool, options: SolveOptions, deadline: float):
        self.distance, self.p, self.integral, self.options, self.deadline = distance, p, integral, options, deadline
        n = distance.shape[0]
        self.sites = np.zeros(0, int)
        self.upper, self.bound = math.inf, -math.inf
        self.closed, self.opened = np.zeros(n, bool), np.zeros(n, bool)
        self.fixed_against = math.inf
        self.multipliers: np.ndarray | None = None
        self.status = Termination.OPTIMAL
        self.build_s, self.n_vars, self.n_cons = 0.0, 0, 0
        self.stats: dict = {}

    def gap(self) -> float:
        return relative_gap(self.upper, self.bound)

    def offer(self, sites: np.ndarray) -> None:
        cost = assignment_cost(self.distance, sites) if len(sites) == self.p else math.inf
        if cost < self.upper:
            self.sites, self.upper = np.sort(sites), cost

    def heuristic(self, accel: PMedianOptions) -> None:
        started = time.perf_counter()
        sites = greedy(self.distance, self.p)
        if accel.heuristic:
            sites = swap_search(self.distance, sites, deadline=started + 0.5 * self.options.time_limit_s)
        self.offer(sites)
        self.stats.update(heuristic_objective=self.upper, heuristic_s=time.perf_counter() - started)

    def lagrangian(self, accel: PMedianOptions) -> None:
        limit = min(self.deadline, time.perf_counter() + accel.lagrangian_max_share * self.options.time_limit_s)
        lag = lagrangian(self.distance, self.p, self.sites, self.integral, accel.lagrangian_max_iterations, limit)
        if lag.best_cost < self.upper:
            better = lag.best_sites
            if accel.heuristic:
                better = swap_search(self.distance, better, deadline=self.deadline)
            self.offer(better)
        self.bound = max(self.bound, _rounded(lag.bound, self.integral))
        self.closed, self.opened, self.fixed_against = lag.closed, lag.opened, lag.best_cost
        self.multipliers = lag.multipliers
        self.stats.update(lagrangian_bound=lag.bound, lagrangian_iterations=lag.iterations,
                          closed_by_reduced_cost=int(lag.closed.sum()), opened_by_reduced_cost=int(lag.opened.sum()))

    def excluded_bound(self) -> float:
        """What every solution the fixings removed costs at least: they could not beat the incumbent of the
        time (an integer cost above ``upper - 1`` is at least ``upper``)."""
        if not (self.closed.any() or self.opened.any()):
            return math.inf
        return self.fixed_against if self.integral else improvement_threshold(self.fixed_against, False)

    def tree(self, accel: PMedianOptions) -> None:
        """The Lagrangian branch and bound on the sites the root left free."""
        candidates, fixed_open = np.flatnonzero(~self.closed), np.flatnonzero(self.opened)
        if len(candidates) < self.p or len(fixed_open) > self.p:  # no solution beats the incumbent
            self.bound = max(self.bound, min(self.excluded_bound(), self.upper))
            return
        lam = self.multipliers if self.multipliers is not None else self.distance[self.sites].min(axis=0)
        started = time.perf_counter()
        found = lagrangian_tree(self.distance, self.p, candidates, fixed_open, lam.astype(float), self.sites,
                                self.integral, self.deadline, accel.tree_node_iterations)
        self.offer(found.sites)
        self.bound = max(self.bound, min(_rounded(found.bound, self.integral), self.excluded_bound()))
        self.status = Termination.OPTIMAL if found.finished or self.gap() <= self.options.mip_gap \
            else Termination.TIME_LIMIT
        self.stats.update(tree_nodes=found.nodes, tree_s=time.perf_counter() - started)

    def radius_rounds(self, truncate: bool) -> None:
        """Truncated radius MIPs; radii grow for clients the chosen solution leaves outside them."""
        candidates, fixed_open = np.flatnonzero(~self.closed), np.flatnonzero(self.opened)
        if len(candidates) < self.p or len(fixed_open) > self.p:  # no solution beats the incumbent
            self.bound = max(self.bound, min(self.excluded_bound(), self.upper))
            return
        # every solution has some open site within ``cutoff``; every improving one within ``radius``
        cutoff = candidate_cutoff(self.distance[candidates], self.p)
        if len(fixed_open):
            cutoff = np.minimum(cutoff, self.distance[fixed_open].min(axis=0))
        radius = cutoff
        if truncate:
            radius = np.minimum(radius, _nearest_two(self.distance, self.sites)[2])
        rounds = 0
        while True:
            rounds += 1
            found, model_bound, finished = self._radius_round(radius, candidates, fixed_open)
            self.bound = max(self.bound, min(model_bound, self.excluded_bound()))
            if not finished:
                self.status = Termination.TIME_LIMIT
                break
            reach = self.distance[found].min(axis=0) if len(found) else np.zeros_like(radius)
            outside = reach > radius + INTEGRALITY_TOL
            if not outside.any() or self.gap() <= self.options.mip_gap:  # attained: the bound is proven
                break
            radius = np.where(outside, np.minimum(cutoff, reach), radius)
        self.stats["rounds"] = rounds
        self.status = Termination.OPTIMAL if self.gap() <= self.options.mip_gap else self.status

    def _radius_round(self, radius: np.ndarray, candidates: np.ndarray,
                      fixed_open: np.ndarray) -> tuple[np.ndarray, float, bool]:
        """One MIP: (its solution's sites, its proven bound, whether it finished within the time limit)."""
        built = time.perf_counter()
        model = build_radius_model(self.distance, self.p, radius, candidates)
        h = _highs(model, fixed_open, self.options, self.deadline - time.perf_counter(), self.options.mip_gap)
        if np.isin(self.sites, candidates).all() and np.isin(fixed_open, self.sites).all():
            start = highspy.HighsSolution()
            start.col_value = model_point(model, self.distance, self.sites).tolist()
            start.value_valid = True
            h.setSolution(start)
        self.build_s += time.perf_counter() - built
        self.n_vars, self.n_cons = model.n_cols, model.n_rows
        h.run()
        info, status = h.getInfo(), h.getModelStatus()
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return np.zeros(0, int), math.inf, True  # nothing left beats the incumbent
        found = np.zeros(0, int)
        if info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible:
            values = np.array(h.getSolution().col_value[:len(candidates)])
            found = candidates[values > 0.5]
            self.offer(found)
        bound = _rounded(float(info.mip_dual_bound), self.integral)
        return found, bound, status == highspy.HighsModelStatus.kOptimal


def _rounded(bound: float, integral: bool) -> float:
    if not math.isfinite(bound):
        return -math.inf
    return float(math.ceil(bound - INTEGRALITY_TOL)) if integral else bound


def _finite(distance: np.ndarray) -> tuple[np.ndarray, bool]:
    """Unreachable pairs (inf, a disconnected graph) priced above any reachable assignment."""
    finite = np.isfinite(distance)
    if finite.all():
        return distance, False
    big = float(distance[finite].max(initial=0.0)) * distance.shape[1] + 1.0
    return np.where(finite, distance, big), True


def _uses_unreachable(distance: np.ndarray, sites: tuple[int, ...] | np.ndarray) -> bool:
    return bool(np.isinf(distance[np.asarray(sites)].min(axis=0)).any())
