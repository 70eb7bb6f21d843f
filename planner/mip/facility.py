"""The classic facility-location core: UFLP, CFLP (split demand) and p-median, in strong formulations.

These are the special cases of the siting MIP (DESIGN.md §4): one product, unit throughput, no power or grid
terms. Each concern is one builder that appends its cost terms to ``m.cost_terms``; ``build_location_model`` and
``build_pmedian_model`` are the short orchestrators and ``solve_facility`` builds, solves through ``planner.solve`` and extracts a
frozen ``FacilityResult``.

Formulations:
- UFLP / CFLP: ``serve_share[i, j]`` (fraction of customer j's demand served from site i) on the sparse set
  ``PAIRS``; disaggregated linking ``serve_share[i, j] <= min(1, cap_i / d_j) * open_site[i]`` (the strong
  form; its LP bound is far above the textbook aggregated one); for CFLP the site capacity rows and the
  aggregate capacity cut ``sum_i cap_i open_site[i] >= total demand``.
- p-median: the UFLP blocks with zero fixed costs plus ``sum_i open_site[i] = p``, or, on large graphs,
  the compact radius formulation (Elloumi 2010): per client j the sorted distinct distances
  D_j^1 < ... < D_j^K and ``beyond_radius[j, k] >= 1 - sum_{i: d_ij <= D_j^k} open_site[i]``; objective
  ``sum_j D_j^1 + sum_k (D_j^{k+1} - D_j^k) beyond_radius[j, k]``. Same LP bound as the classic
  assignment form, with fewer variables and rows; radii beyond the largest (n-p+1)-th nearest distance are
  dropped because p open medians always cover them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pyomo.environ as pyo

from planner.io.orlib import CapInstance, PMedianInstance
from planner.solve import SolveOptions, Termination, solve


class FacilityProblem(StrEnum):
    UFLP = "uflp"
    CFLP = "cflp"
    PMEDIAN = "pmedian"


@dataclass(frozen=True, eq=False)
class FacilityResult:
    """One solved instance. ``status`` is ``"optimal"`` only when HiGHS proved it (gap within mip_gap).

    ``assignment[i, j]`` is the share of customer j's demand served from site i (0..1).
    """

    instance: str
    problem: FacilityProblem
    objective: float
    bound: float
    gap: float
    status: Termination
    open_sites: tuple[int, ...]
    assignment: np.ndarray
    n_vars: int
    n_cons: int
    build_s: float
    solve_s: float

    @property
    def total_s(self) -> float:
        return self.build_s + self.solve_s


# ----------------------------------------------------------------------------------------------- UFLP/CFLP

def build_location_model(inst: CapInstance, problem: FacilityProblem,
                         closed: np.ndarray | None = None, opened: np.ndarray | None = None) -> pyo.ConcreteModel:
    """UFLP or CFLP model. ``closed`` / ``opened`` are boolean masks of sites known closed / open."""
    m = pyo.ConcreteModel(name=f"{problem}:{inst.name}")
    m.cost_terms = []
    capacitated = problem is FacilityProblem.CFLP
    add_location_sets(m, inst, closed)
    add_siting(m, inst, opened)
    add_assignment(m, inst)
    add_open_link(m, inst, capacitated)
    if capacitated:
        add_capacity(m, inst)
    m.total_cost = pyo.Objective(expr=sum(m.cost_terms), sense=pyo.minimize, doc="sum of m.cost_terms")
    return m


def add_location_sets(m: pyo.ConcreteModel, inst: CapInstance, closed: np.ndarray | None) -> None:
    """SITES (not closed by a reduction), CUSTOMERS, the sparse PAIRS and SITES_SERVING[j], built once."""
    open_ok = np.ones(inst.n_sites, bool) if closed is None else ~closed
    sites = [int(i) for i in np.flatnonzero(open_ok)]
    customers = list(range(inst.n_customers))
    m.SITES = pyo.Set(initialize=sites, ordered=True, doc="candidate sites i (0-based)")
    m.CUSTOMERS = pyo.Set(initialize=customers, ordered=True, doc="customers j (0-based)")
    m.PAIRS = pyo.Set(initialize=[(i, j) for i in sites for j in customers], dimen=2, ordered=True,
                      doc="site-customer pairs (i, j) that may carry demand")
    m.SITES_SERVING = pyo.Set(m.CUSTOMERS, initialize={j: sites for j in customers}, ordered=True,
                              doc="sites that may serve customer j")
    m.CUSTOMERS_OF = pyo.Set(m.SITES, initialize={i: customers for i in sites}, ordered=True,
                             doc="customers site i may serve")


def add_siting(m: pyo.ConcreteModel, inst: CapInstance, opened: np.ndarray | None) -> None:
    """open_site[i] in {0,1}; siting_cost = sum_i fixed_cost[i] * open_site[i] (cost units)."""
    m.open_site = pyo.Var(m.SITES, domain=pyo.Binary, doc="1 if site i is opened")
    if opened is not None:
        for i in np.flatnonzero(opened):
            m.open_site[int(i)].fix(1)
    m.siting_cost = pyo.Expression(expr=sum(float(inst.fixed_cost[i]) * m.open_site[i] for i in m.SITES),
                                   doc="sum_i fixed_cost[i] * open_site[i], cost units")
    m.cost_terms.append(m.siting_cost)


def add_assignment(m: pyo.ConcreteModel, inst: CapInstance) -> None:
    """serve_share[i,j] in [0,1]; every customer fully served; service_cost = sum cost[i,j] * serve_share[i,j]."""
    m.serve_share = pyo.Var(m.PAIRS, bounds=(0.0, 1.0), doc="share of customer j's demand served by site i")
    m.demand_met = pyo.Constraint(
        m.CUSTOMERS, rule=lambda m, j: sum(m.serve_share[i, j] for i in m.SITES_SERVING[j]) == 1,
        doc="sum_i serve_share[i,j] = 1")
    cost = inst.cost
    m.service_cost = pyo.Expression(expr=sum(float(cost[i, j]) * m.serve_share[i, j] for i, j in m.PAIRS),
                                    doc="sum_ij cost[i,j] * serve_share[i,j], cost units")
    m.cost_terms.append(m.service_cost)


def add_open_link(m: pyo.ConcreteModel, inst: CapInstance, capacitated: bool) -> None:
    """Disaggregated linking serve_share[i,j] <= ub[i,j] * open_site[i], ub = min(1, cap_i / d_j) if capacitated.

    Every pair gets its row (100k rows at 100 x 1,000). Measured on the capa-shaped instances: linking only
    each customer's 10 cheapest sites (valid, since site_capacity already forces serve_share to 0 at a
    closed site) solved no faster, so the full strong form stays.
    """
    if capacitated:
        demand = np.where(inst.demand > 0, inst.demand, 1.0)
        ub = np.where(inst.demand[None, :] > 0, np.minimum(1.0, inst.capacity[:, None] / demand[None, :]), 1.0)
    else:
        ub = np.ones((inst.n_sites, inst.n_customers))
    m.serve_only_open = pyo.Constraint(
        m.PAIRS, rule=lambda m, i, j: m.serve_share[i, j] <= float(ub[i, j]) * m.open_site[i],
        doc="serve_share[i,j] <= min(1, cap_i/d_j) * open_site[i]")


def add_capacity(m: pyo.ConcreteModel, inst: CapInstance) -> None:
    """site_capacity: sum_j d_j serve_share[i,j] <= cap_i open_site[i]; total_capacity_cut over all sites."""
    demand = inst.demand
    m.site_capacity = pyo.Constraint(
        m.SITES, rule=lambda m, i: sum(float(demand[j]) * m.serve_share[i, j] for j in m.CUSTOMERS_OF[i])
        <= float(inst.capacity[i]) * m.open_site[i],
        doc="sum_j demand[j] * serve_share[i,j] <= capacity[i] * open_site[i], demand units")
    m.total_capacity_cut = pyo.Constraint(
        expr=sum(float(inst.capacity[i]) * m.open_site[i] for i in m.SITES) >= float(demand.sum()),
        doc="sum_i capacity[i] * open_site[i] >= total demand (valid cut; strengthens the LP and cover cuts)")


# ----------------------------------------------------------------------------------------------- p-median

class PMedianForm(StrEnum):
    ASSIGNMENT = "assignment"
    RADIUS = "radius"
    AUTO = "auto"


def build_pmedian_model(inst: PMedianInstance, form: PMedianForm = PMedianForm.AUTO) -> pyo.ConcreteModel:
    """p-median: the UFLP blocks plus a median count, or the compact radius formulation (module docstring).

    ``AUTO`` takes whichever has fewer nonzeros: the radius form wins on large graphs with few distinct
    distances per client; the assignment form on small dense ones (pmed1: 30k against 350k nonzeros).
    """
    radii = pmedian_radii(inst.distance, inst.p)
    if form is PMedianForm.AUTO:
        radius_nz = radius_nonzeros(inst.distance, radii)
        form = PMedianForm.RADIUS if radius_nz < 3 * inst.n * inst.n else PMedianForm.ASSIGNMENT
    m = pyo.ConcreteModel(name=f"pmedian-{form}:{inst.name}")
    m.cost_terms = []
    if form is PMedianForm.RADIUS:
        add_median_sets(m, inst, radii)
        add_median_count(m, inst)
        add_radius_cost(m, radii)
    else:
        located = as_location_instance(inst)
        add_location_sets(m, located, None)
        add_siting(m, located, None)
        add_assignment(m, located)
        add_open_link(m, located, capacitated=False)
        add_median_count(m, inst)
    m.total_cost = pyo.Objective(expr=sum(m.cost_terms), sense=pyo.minimize, doc="sum of m.cost_terms")
    return m


def as_location_instance(inst: PMedianInstance) -> CapInstance:
    """The p-median graph as an uncapacitated instance: no fixed costs, unit demand, cost = distance."""
    n = inst.n
    return CapInstance(name=inst.name, capacity=np.full(n, np.inf), fixed_cost=np.zeros(n),
                       demand=np.ones(n), cost=inst.distance)


def radius_nonzeros(distance: np.ndarray, radii: list[np.ndarray]) -> int:
    """Constraint-matrix nonzeros of the radius form: per (j, k) the sites within D_j^k plus one."""
    sorted_columns = np.sort(distance, axis=0)
    return int(sum(np.searchsorted(sorted_columns[:, j], r[:-1], side="right").sum() + len(r) - 1
                   for j, r in enumerate(radii)))


def pmedian_radii(distance: np.ndarray, p: int) -> list[np.ndarray]:
    """Per client j the sorted distinct distances to candidate medians that matter for an optimum.

    With p medians open, the nearest one is at most the (n-p+1)-th smallest distance, so larger radii drop.
    """
    n = distance.shape[0]
    cutoff = np.sort(distance, axis=0)[n - p, :]
    return [np.unique(distance[:, j][distance[:, j] <= cutoff[j]]) for j in range(distance.shape[1])]


def add_median_sets(m: pyo.ConcreteModel, inst: PMedianInstance, radii: list[np.ndarray]) -> None:
    """SITES, CUSTOMERS, RADII (j, k) for k < K_j, and SITES_WITHIN[j, k] = {i: d_ij <= D_j^k}."""
    vertices = list(range(inst.n))
    m.SITES = pyo.Set(initialize=vertices, ordered=True, doc="candidate medians i (0-based vertices)")
    m.CUSTOMERS = pyo.Set(initialize=vertices, ordered=True, doc="clients j (0-based vertices, unit weight)")
    steps = [(j, k) for j in vertices for k in range(len(radii[j]) - 1)]
    m.RADII = pyo.Set(initialize=steps, dimen=2, ordered=True, doc="(j, k): client j, radius step k")
    within = {(j, k): [int(i) for i in np.flatnonzero(inst.distance[:, j] <= radii[j][k])] for j, k in steps}
    m.SITES_WITHIN = pyo.Set(m.RADII, initialize=within, doc="sites within radius D_j^k of client j")


def add_median_count(m: pyo.ConcreteModel, inst: PMedianInstance) -> None:
    """open_site[i] in {0,1} (made here unless a siting builder made it); exactly p medians open."""
    if not hasattr(m, "open_site"):
        m.open_site = pyo.Var(m.SITES, domain=pyo.Binary, doc="1 if vertex i is a median")
    m.median_count = pyo.Constraint(expr=sum(m.open_site[i] for i in m.SITES) == inst.p,
                                    doc="sum_i open_site[i] = p")


def add_radius_cost(m: pyo.ConcreteModel, radii: list[np.ndarray]) -> None:
    """beyond_radius[j,k] >= 1 - sum_{i within D_j^k} open_site[i]; distance cost from the radius steps."""
    m.beyond_radius = pyo.Var(m.RADII, bounds=(0.0, 1.0), doc="1 if client j's nearest median is beyond D_j^k")
    m.radius_cover = pyo.Constraint(
        m.RADII, rule=lambda m, j, k: m.beyond_radius[j, k] + sum(m.open_site[i] for i in m.SITES_WITHIN[j, k]) >= 1,
        doc="beyond_radius[j,k] >= 1 - sum_{i: d_ij <= D_j^k} open_site[i]")
    base = float(sum(r[0] for r in radii))
    m.distance_cost = pyo.Expression(
        expr=base + sum(float(radii[j][k + 1] - radii[j][k]) * m.beyond_radius[j, k] for j, k in m.RADII),
        doc="sum_j D_j^1 + sum_jk (D_j^{k+1} - D_j^k) * beyond_radius[j,k], distance units")
    m.cost_terms.append(m.distance_cost)


# ----------------------------------------------------------------------------------------------- solve

def solve_facility(inst: CapInstance | PMedianInstance, problem: FacilityProblem | str,
                   options: SolveOptions | None = None,
                   pmedian_form: PMedianForm = PMedianForm.AUTO) -> FacilityResult:
    """Build, solve through ``planner.solve`` and extract a FacilityResult."""
    problem = FacilityProblem(problem)
    options = options or SolveOptions()
    started = time.perf_counter()
    if problem is FacilityProblem.PMEDIAN:
        if not isinstance(inst, PMedianInstance):
            raise TypeError("p-median needs a PMedianInstance (read_pmedinfo)")
        m = build_pmedian_model(inst, PMedianForm(pmedian_form))
    else:
        if not isinstance(inst, CapInstance):
            raise TypeError(f"{problem} needs a CapInstance (read_capinfo)")
        m = build_location_model(inst, problem)
    build_s = time.perf_counter() - started
    outcome = solve(m, options)
    return _result(m, inst, problem, outcome, build_s)


def _result(m: pyo.ConcreteModel, inst, problem: FacilityProblem, outcome, build_s: float) -> FacilityResult:
    open_sites: tuple[int, ...] = ()
    assignment = np.zeros(0)
    if outcome.has_solution:
        open_sites = tuple(i for i in m.SITES if pyo.value(m.open_site[i]) > 0.5)
        assignment = _assignment(m, inst, problem, open_sites)
    return FacilityResult(
        instance=inst.name, problem=problem, objective=outcome.objective, bound=outcome.bound,
        gap=outcome.gap, status=outcome.termination, open_sites=open_sites, assignment=assignment,
        n_vars=m.nvariables(), n_cons=m.nconstraints(), build_s=build_s, solve_s=outcome.solve_s)


def _assignment(m: pyo.ConcreteModel, inst, problem: FacilityProblem, open_sites: tuple[int, ...]) -> np.ndarray:
    if problem is FacilityProblem.PMEDIAN:
        share = np.zeros((inst.n, inst.n))
        medians = np.array(open_sites)
        nearest = medians[np.argmin(inst.distance[medians, :], axis=0)]
        share[nearest, np.arange(inst.n)] = 1.0
        return share
    share = np.zeros((inst.n_sites, inst.n_customers))
    for (i, j), var in m.serve_share.items():
        share[i, j] = var.value or 0.0
    return share


def evaluate(inst: CapInstance | PMedianInstance, result: FacilityResult) -> float:
    """Objective recomputed from the result tables alone (an independent check of the solver's answer)."""
    if result.problem is FacilityProblem.PMEDIAN:
        return float((inst.distance * result.assignment).sum())
    fixed = float(inst.fixed_cost[list(result.open_sites)].sum())
    return fixed + float((inst.cost * result.assignment).sum())
