"""Why demand goes unmet, per region and class, in plain words: from the model's structure (no site within
the round-trip budget) and from the LP at the plan's yes/no decisions with one family of limits lifted at a
time (the family whose lifting serves the demand is the reason). The same words explain an irreducible
infeasible subset in strict mode.

A region-class is tested in two LPs: the pricing LP (the plan's sites, counts continuous), then, when no
limit there explains it, the whole LP relaxation (sites may open fractionally), which also tells demand
left unmet only because opening another site costs more than the penalty it saves.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from planner.explain.names import (DEMAND_BALANCE, FAMILY_ORDER, SERVE, UNMET, Family, Limit, Side,
                                   family_of_component, limits_in, member_name)
from planner.explain.pricing import LP_TIME_LIMIT_S, PricingLP, positions_by_index
from planner.highs import INF, HighsInstance, Iis
from planner.mip.inputs import TOKENS_SCALE, ModelInputs
from planner.mip.reduce import POOL_PREFIX

SERVED_SHARE_TOL = 0.01  # a lift explains a region-class when it serves at least 1% of its unmet demand
UNMET_TOL_TOKENS_PER_S = 1e-3  # smaller unmet demand is solver tolerance, not a shortfall
NAMED_CONSTRAINTS_MAX = 3  # binding members named per reason


@dataclass(frozen=True)
class UnmetReason:
    region: str
    service_class: str
    tokens_per_s: float
    reason: str
    constraint: str
    kind: str
    """The reason's family (``names.Family``): latency_budget, grid, export_cap, supply_limit, ..."""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ClassTerms:
    """What a reason's words need about each service class."""

    rtt_budget_ms: pd.Series
    max_site_share: pd.Series
    unmet_penalty_usd_per_mtok: pd.Series


def class_terms(inputs: ModelInputs, tokens_per_year_per_peak_rate: pd.Series) -> ClassTerms:
    penalty = inputs.unmet_penalty_usd_per_tokens_per_s_year / tokens_per_year_per_peak_rate * 1e6
    return ClassTerms(inputs.rtt_budget_ms, inputs.max_site_share, penalty)


def sentence(family: Family, service_class: str, terms: ClassTerms) -> str:
    budget = float(terms.rtt_budget_ms.get(service_class, math.nan))
    return {
        Family.LATENCY: f"no candidate site lies within the {service_class} round-trip budget of {budget:g} ms",
        Family.GRID: f"the sites within the {service_class} budget of {budget:g} ms have no grid headroom "
                     "or connection left",
        Family.EXPORT_CAP: "the export cap on controlled chips binds",
        Family.SUPPLY: "a chip supply limit binds",
        Family.REDUNDANCY: f"too few sites within the {budget:g} ms budget: one site may serve at most "
                           f"{float(terms.max_site_share.get(service_class, 1.0)):.0%} of a region's {service_class} demand",
        Family.WATER: "the sites within the budget have no cooling water left",
        Family.SOVEREIGNTY: "the sovereignty floor on uncontrolled chips binds",
        Family.COMBINED: "several limits bind together (grid, export cap or supply): lifting any one alone "
                         "does not serve it",
        Family.OPENING: "serving it needs another site opened within the budget, which costs more than the "
                        "penalty it saves",
        Family.ECONOMIC: f"serving it costs more than its unmet penalty of "
                         f"{float(terms.unmet_penalty_usd_per_mtok.get(service_class, math.nan)):.3g} USD per million tokens",
    }[family]


# ----------------------------------------------------------------------------------------------- lifting

def _lift(instance: HighsInstance, members: Iterable[tuple[Limit, object]]) -> dict[str, dict[int, float]]:
    """Bound changes that remove every member's limit (rows to +-inf, upper bounds to +inf)."""
    upper, row_upper, row_lower = {}, {}, {}
    for limit, component in members:
        if limit.side is Side.ROW:
            for con, row in zip(_active(component), instance.rows_of(_active(component))):
                if con.upper is not None:
                    row_upper[int(row)] = INF
                if con.lower is not None and not con.equality:
                    row_lower[int(row)] = -INF
        else:
            for j in instance.positions(component):
                upper[int(j)] = INF
    return {"upper": upper, "row_upper": row_upper, "row_lower": row_lower}


def _active(component) -> list:
    return [c for c in component.values() if c.active] if component.is_indexed() else [component]


def families_present(instance: HighsInstance) -> dict[Family, list[tuple[Limit, object]]]:
    members = defaultdict(list)
    for limit, component in limits_in(instance.model):
        members[limit.family].append((limit, component))
    return {f: members[f] for f in FAMILY_ORDER if members[f]}


def _merge(fixed: dict[int, float], lifted: dict[str, dict[int, float]]) -> dict[str, dict[int, float]]:
    upper = {**fixed, **lifted["upper"]}
    return {"lower": dict(fixed), "upper": upper, "row_upper": lifted["row_upper"], "row_lower": lifted["row_lower"]}


def _unmet_after(instance: HighsInstance, unmet_columns: dict, fixed: dict[int, float],
                 lifted: dict[str, dict[int, float]] | None) -> dict | None:
    changes = _merge(fixed, lifted or {"upper": {}, "row_upper": {}, "row_lower": {}})
    run = instance.run(LP_TIME_LIMIT_S, mip_gap=0.0, relax=instance.all, **changes)
    if not run.has_solution:
        return None
    return {key: float(run.values[j]) for key, j in unmet_columns.items()}


def _binding_names(pricing: PricingLP, members: list[tuple[Limit, object]]) -> list[str]:
    """Members of a family with a nonzero dual in the pricing LP, largest first."""
    base, instance = pricing.base, pricing.instance
    if base.row_duals is None:
        return []
    found = []
    for limit, component in members:
        if not limit.reported_binding:
            continue
        if limit.side is Side.ROW:
            data = _active(component)
            for con, row in zip(data, instance.rows_of(data)):
                found.append((abs(base.row_duals[row]), member_name(limit.component, con.index())))
        else:
            free = [v for v in component.values() if not v.fixed]
            for var, j in zip(free, instance.positions(free)):
                at_upper = var.ub is not None and base.values[j] >= var.ub - 1e-7 * max(1.0, abs(var.ub))
                if at_upper:
                    found.append((abs(base.col_duals[j]), member_name(limit.component, var.index()) + ".ub"))
    found = sorted((d, n) for d, n in found if d > 1e-9)[::-1]
    return [name for _, name in found[:NAMED_CONSTRAINTS_MAX]]


# ----------------------------------------------------------------------------------------------- reasons

def unmet_reasons(pricing: PricingLP, terms: ClassTerms) -> list[UnmetReason]:
    """One reason per region-class with unmet demand in the plan held by the pricing LP's model."""
    model, instance = pricing.instance.model, pricing.instance
    unmet = {key: var.value or 0.0 for key, var in model.component(UNMET).items()}  # ktokens/s
    unmet = {key: v for key, v in unmet.items() if v * TOKENS_SCALE > UNMET_TOL_TOKENS_PER_S}
    if not unmet:
        return []
    arcs = defaultdict(int)
    for r, q, _ in model.component(SERVE).keys():
        arcs[r, q] += 1
    found: dict[tuple, tuple[Family, str]] = {}
    for key in unmet:
        if not arcs[key]:
            found[key] = (Family.LATENCY, f"rtt_budget_ms[{key[1]}]")
    open_keys = [key for key in unmet if key not in found]
    if open_keys:
        columns = {k: j for k, j in positions_by_index(instance, model.component(UNMET)).items() if k in open_keys}
        families = families_present(instance)
        for fixed, label in ((pricing.fixed, "pricing"), ({}, "relaxation")):
            todo = [k for k in open_keys if k not in found]
            if not todo:
                break
            base = _unmet_after(instance, columns, fixed, None)
            if base is None:
                continue
            best: dict[tuple, tuple[float, Family]] = {}
            for family, members in families.items():
                after = _unmet_after(instance, columns, fixed, _lift(instance, members))
                if after is None:
                    continue
                for key in todo:
                    served = base[key] - after[key]
                    if served > SERVED_SHARE_TOL * unmet[key] and served > best.get(key, (0.0, None))[0]:
                        best[key] = (served, family)
            together = [k for k in todo if k not in best]
            if together and len(families) > 1:  # no family alone serves it: do all together?
                every = [m for members in families.values() for m in members]
                after = _unmet_after(instance, columns, fixed, _lift(instance, every))
                for key in together if after is not None else []:
                    if base[key] - after[key] > SERVED_SHARE_TOL * unmet[key]:
                        names = [n for members in families.values() for n in _binding_names(pricing, members)]
                        found[key] = (Family.COMBINED, "; ".join(names[:NAMED_CONSTRAINTS_MAX]) or "several limits")
            for key, (_, family) in best.items():
                names = _binding_names(pricing, families[family]) if label == "pricing" else []
                found[key] = (family, "; ".join(names) or _family_label(families[family]))
            if label == "relaxation":
                for key in todo:
                    if key not in found and base[key] < (1 - SERVED_SHARE_TOL) * unmet[key]:
                        found[key] = (Family.OPENING, "open_site")
    reasons = []
    for key, ktokens in unmet.items():
        family, constraint = found.get(key, (Family.ECONOMIC, f"unmet_penalty[{key[1]}]"))
        reasons.append(UnmetReason(str(key[0]), str(key[1]), ktokens * TOKENS_SCALE, sentence(family, key[1], terms), constraint,
                                   str(family)))
    return reasons


def _family_label(members: list[tuple[Limit, object]]) -> str:
    return "; ".join(sorted({limit.component for limit, _ in members if limit.reported_binding}))


def expand_pooled(reasons: list[UnmetReason], demand_tokens_per_s: pd.Series) -> list[UnmetReason]:
    """Reasons of a pooled pseudo-region split over the original regions by their share of its demand."""
    out = []
    for reason in reasons:
        if not reason.region.startswith(POOL_PREFIX):
            out.append(reason)
            continue
        demand = demand_tokens_per_s.xs(reason.service_class, level="service_class")
        share = demand / demand.sum()
        out += [UnmetReason(str(r), reason.service_class, reason.tokens_per_s * float(s), reason.reason,
                            reason.constraint, reason.kind) for r, s in share.items() if s > 0]
    return out


# ----------------------------------------------------------------------------------------------- IIS

@dataclass(frozen=True)
class IisExplanation:
    members: tuple[str, ...]
    """Names of the subset's constraints and bounds (``zone_headroom[GB]``, ``grid_mw[Slough].ub``)."""
    reasons: tuple[UnmetReason, ...]


def explain_iis(instance: HighsInstance, iis: Iis, terms: ClassTerms) -> IisExplanation:
    """The subset in named constraints (limits first), and the reason it gives: a demand row with no site
    in budget is a latency reason; otherwise the first limit family (``FAMILY_ORDER``) in the subset."""
    model = instance.model
    entries = [(c.parent_component().name, c.index(), "") for c in (instance.constraints[i] for i in iis.rows)]
    entries += [(v.parent_component().name, v.index(), ".ub" if v.ub is not None else "")
                for v in (instance.columns[j] for j in iis.columns)]
    families = [family_of_component(name) for name, _, _ in entries]
    names = [member_name(name, index) + suffix for name, index, suffix in entries]
    order = sorted(range(len(entries)), key=lambda i: (families[i] is None, names[i]))
    members = tuple(names[i] for i in order)
    arcs = defaultdict(int)
    for r, q, _ in model.component(SERVE).keys():
        arcs[r, q] += 1
    demands = list(dict.fromkeys(index for name, index, _ in entries if name in (DEMAND_BALANCE, UNMET)))
    reasons = []
    latency = [k for k in demands if not arcs[k]]
    if latency:
        for r, q in latency:
            reasons.append(UnmetReason(str(r), str(q), _demand(model, (r, q)), sentence(Family.LATENCY, q, terms),
                                       f"rtt_budget_ms[{q}]", str(Family.LATENCY)))
        return IisExplanation(members, tuple(reasons))
    family = next((f for f in FAMILY_ORDER if f in families), None)
    named = "; ".join([n for n, f in zip(names, families) if f is family][:NAMED_CONSTRAINTS_MAX]) if family else ""
    for r, q in demands or [(None, None)]:
        reasons.append(UnmetReason(
            str(r) if r is not None else "", str(q) if q is not None else "",
            _demand(model, (r, q)) if r is not None else math.nan,
            sentence(family, q, terms) if family else "the limits in the subset together admit no plan",
            named, str(family) if family else "combined"))
    return IisExplanation(members, tuple(reasons))


def _demand(model, key) -> float:
    con = model.component(DEMAND_BALANCE)[key]
    return float(con.upper) * TOKENS_SCALE if con.upper is not None else math.nan


def reasons_table(reasons: Iterable[UnmetReason]) -> pd.DataFrame:
    columns = ["region", "service_class", "tokens_per_s", "reason", "constraint", "kind"]
    return pd.DataFrame([r.as_dict() for r in reasons], columns=columns)

