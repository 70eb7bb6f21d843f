"""Near-optimal alternatives (modelling to generate alternatives, as in PyPSA and Calliope): plans whose
yearly cost is within a slack of the optimum that differ from it, and from each other, as much as possible
in the sites opened or in the share of serving capacity on controlled chips.

Each alternative re-solves the MIP with the cost held within ``(1 + slack)`` times the optimum and a new
objective: for sites, the Hamming distance to every plan found so far (minimise the opened sites that
earlier plans opened, maximise those they left closed); for the chip share, the least serving capacity on
controlled chips (or on uncontrolled ones, to push the share up). Plans that end up no farther than one
site or 5 points of share from an earlier one are dropped, and the count found is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyomo.core as pyo

from planner.explain.names import CHIPS_SERVING, OPEN_SITE
from planner.mip.build import Builder, build_model
from planner.mip.heuristics import siting_start
from planner.mip.inputs import TOKENS_SCALE, USD_SCALE, ModelInputs
from planner.results import Plan
from planner.solve import SolveOptions, SolveOutcome, solve

MIN_SHARE_POINTS = 0.05  # an alternative must move the controlled share by 5 points or change a site
OBJECTIVES = ("sites", "controlled_share_down", "controlled_share_up")
COST_TOL = 1e-6  # relative tolerance on the cost limit (the solver's own feasibility tolerance)

Finish = Callable[[pyo.ConcreteModel, SolveOutcome], Plan]
"""(solved model, outcome with the plan's cost as objective) -> the extracted, expanded, verified Plan."""


@dataclass(frozen=True)
class Alternative:
    label: str
    objective: str
    plan: Plan
    cost_usd: float
    open_sites: tuple[str, ...]
    controlled_share: float
    """Share of serving capacity (tokens/s) on chips that are not uncontrolled [-]."""

    @property
    def verified(self) -> bool:
        return bool(self.plan.metadata.get("verification", {}).get("ok", False))


@dataclass(frozen=True)
class Alternatives:
    slack: float
    sought: int
    plans: tuple[Alternative, ...]
    """The optimum first, then each distinct alternative found."""

    @property
    def optimum(self) -> Alternative:
        return self.plans[0]

    def table(self) -> pd.DataFrame:
        """One row per plan: cost, its excess over the optimum, sites, controlled share, its distance from
        the optimum, the least distance to another plan in each measure (sites differing, share points; the
        two minima may be to different plans), and whether every other plan is a site or 5 points away."""
        best = self.optimum
        rows = []
        for alt in self.plans:
            others = [o for o in self.plans if o is not alt]
            rows.append({
                "plan": alt.label, "objective": alt.objective, "cost_usd_per_year": alt.cost_usd,
                "cost_above_optimum_share": alt.cost_usd / best.cost_usd - 1 if best.cost_usd else math.nan,
                "within_slack": alt.cost_usd <= (1 + self.slack) * best.cost_usd * (1 + COST_TOL),
                "verified": alt.verified, "sites_opened": len(alt.open_sites), "open_sites": ", ".join(alt.open_sites),
                "controlled_share": alt.controlled_share,
                "sites_differ_from_optimum": sites_apart(alt, best),
                "share_points_from_optimum": 100 * abs(alt.controlled_share - best.controlled_share),
                "sites_differ_from_nearest": min((sites_apart(alt, o) for o in others), default=0),
                "share_points_from_nearest": min((100 * abs(alt.controlled_share - o.controlled_share) for o in others),
                                                 default=0.0),
                "distinct_from_every_other": is_distinct(alt, others),
                "unmet_tokens_per_s": alt.plan.unmet_tokens_per_s,
            })
        return pd.DataFrame(rows)

    def site_roles(self) -> pd.DataFrame:
        """Per candidate site: in how many of the plans it opens, and whether it is essential (in all),
        interchangeable (in some) or unused (in none)."""
        sites = list(self.optimum.plan.sites.index)
        counts = {s: sum(s in alt.open_sites for alt in self.plans) for s in sites}
        role = {s: "essential" if n == len(self.plans) else "interchangeable" if n else "unused" for s, n in counts.items()}
        return pd.DataFrame({"site": sites, "plans_opening": [counts[s] for s in sites],
                             "plans": len(self.plans), "role": [role[s] for s in sites]})


def sites_apart(a: Alternative, b: Alternative) -> int:
    return len(set(a.open_sites) ^ set(b.open_sites))


def is_distinct(candidate: Alternative, earlier: list[Alternative]) -> bool:
    return all(sites_apart(candidate, o) >= 1 or abs(candidate.controlled_share - o.controlled_share) >= MIN_SHARE_POINTS
               for o in earlier)


def controlled_share(plan: Plan, inputs: ModelInputs) -> float:
    """Share of the plan's serving capacity (tokens/s at full use of the serving chips) on controlled chips."""
    allocation = plan.allocation[plan.allocation["service_class"].isin(inputs.service_classes)]
    if allocation.empty:
        return 0.0
    keys = pd.MultiIndex.from_frame(allocation[["site", "chip", "service_class"]])
    capacity = allocation["chips_serving"].to_numpy() * inputs.throughput_tokens_per_s.reindex(keys).fillna(0.0).to_numpy()
    controlled = ~allocation["chip"].map(inputs.chips["is_uncontrolled"]).fillna(False).astype(bool).to_numpy()
    total = capacity.sum()
    return float(capacity[controlled].sum() / total) if total > 0 else 0.0


def describe(label: str, objective: str, plan: Plan, inputs: ModelInputs) -> Alternative:
    opened = tuple(sorted(plan.sites.index[plan.sites["is_open"].astype(bool)])) if len(plan.sites) else ()
    return Alternative(label, objective, plan, plan.objective_usd, opened, controlled_share(plan, inputs))


def _set_objective(m: pyo.ConcreteModel, objective: str, earlier: list[Alternative], inputs: ModelInputs) -> None:
    if objective == "sites":
        weight = {s: sum(1 if s in alt.open_sites else -1 for alt in earlier) for s in m.SITES}
        expr = sum(w * m.component(OPEN_SITE)[s] for s, w in weight.items() if w)
    else:
        uncontrolled = inputs.chips["is_uncontrolled"].astype(bool)
        pushed_down = (lambda k: not uncontrolled[k]) if objective == "controlled_share_down" else (lambda k: uncontrolled[k])
        thr = inputs.throughput_tokens_per_s / TOKENS_SCALE
        serving = m.component(CHIPS_SERVING)
        expr = sum(thr[s, k, q] * serving[s, k, q] for s, k, q in m.CAPACITY if pushed_down(k))
    m.mga_objective = pyo.Objective(expr=expr, sense=pyo.minimize, doc=f"alternative: {objective}")


def generate_alternatives(inputs: ModelInputs, original: ModelInputs, optimum: Plan, slack: float, k: int,
                          options: SolveOptions, finish: Finish, extra: tuple[Builder, ...] = ()) -> Alternatives:
    """Up to ``k`` alternatives to ``optimum`` (a solved plan of the reduced ``inputs``) within ``slack``."""
    plans = [describe("optimum", "cost", optimum, original)]
    limit_musd = (1 + slack) * optimum.objective_usd / USD_SCALE
    uncontrolled = inputs.chips["is_uncontrolled"].astype(bool)
    mixed = bool(uncontrolled.any() and not uncontrolled.all())  # else no plan can move the share
    objectives = OBJECTIVES if mixed else ("sites",)
    for attempt in range(k):
        objective = objectives[attempt] if attempt < len(objectives) else "sites"
        m = build_model(inputs, extra)
        m.total_cost_musd.deactivate()
        m.mga_cost_limit = pyo.Constraint(expr=m.total_cost_musd.expr <= limit_musd,
                                          doc="yearly cost within the slack of the optimum [MUSD/year]")
        _set_objective(m, objective, plans, original)
        outcome = solve(m, options, start=siting_start)
        if not outcome.has_solution:
            continue
        cost_musd = float(pyo.value(m.total_cost_musd.expr))
        as_cost = SolveOutcome(termination=outcome.termination, has_solution=True, objective=cost_musd,
                               bound=math.nan, gap=math.nan, solve_s=outcome.solve_s, solver=outcome.solver)
        candidate = describe(f"alternative {len(plans)}", objective, finish(m, as_cost), original)
        if is_distinct(candidate, plans):
            plans.append(candidate)
    return Alternatives(slack, k, tuple(plans))
