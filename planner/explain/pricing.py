"""The plan's pricing LP: its yes/no decisions (sites opened, cooling technology, training site) fixed at
the plan's values, every count continuous, re-solved for duals.

Chip counts stay continuous on purpose: fixing them too would freeze the fleet, so that no limit could be
worth anything at the margin (one more MW of headroom buys nothing if no chip may be added). With counts in
the thousands their rounding moves the cost by less than one chip's price. Marginal values are the LP's
duals turned into prices: value = fall in yearly cost per unit of relaxation, in canonical units.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
import pyomo.core as pyo

from planner.demand.load_duration import marginal_lost_share
from planner.explain.names import (COOLING_CHOICE, DEMAND_BALANCE, OPEN_SITE, TRAINING_SITE, UNMET, Limit, Side,
                                   index_name, limits_in)
from planner.highs import HighsInstance, RunResult
from planner.mip.build import Builder, build_model
from planner.mip.inputs import TOKENS_SCALE, USD_SCALE, ModelInputs
from planner.mip.reduce import reduce_inputs

LP_TIME_LIMIT_S = 60.0
Choices = dict[tuple[str, object], float]
"""(component name, index) -> 0/1 value of each binary variable of a plan."""


def choices_of(model: pyo.ConcreteModel) -> Choices:
    """The plan's yes/no decisions: every binary variable's value, rounded."""
    return {(var.parent_component().name, var.index()): float(round(pyo.value(var, exception=False) or 0.0))
            for var in model.component_data_objects(pyo.Var, active=True) if var.is_binary()}


def choices_from_plan(plan, cooling_options: pd.Index) -> Choices:
    """The yes/no decisions of a written plan (sites opened, their cooling, the training site), for
    re-solving its pricing LP without the model; ``cooling_options`` is the (site, technology) index."""
    opened = plan.sites["is_open"].astype(bool)
    choices: Choices = {(OPEN_SITE, s): float(v) for s, v in opened.items()}
    chosen = plan.sites["cooling"].fillna("")
    choices.update({(COOLING_CHOICE, (s, c)): float(opened[s] and chosen[s] == c) for s, c in cooling_options})
    training_site = plan.metadata.get("training", {}).get("largest_run_site")
    if training_site is not None:
        choices.update({(TRAINING_SITE, s): float(s == training_site) for s in plan.sites.index})
    return choices


def choice_bounds(instance: HighsInstance, choices: Choices) -> dict[int, float]:
    """Column -> fixed value for the binaries of ``instance`` named in ``choices`` (others stay free)."""
    fixed = {}
    for j, var in enumerate(instance.columns):
        key = (var.parent_component().name, var.index())
        if key in choices:
            fixed[j] = choices[key]
    return fixed


def highs_options(threads: int = 1) -> dict[str, object]:
    return {"threads": threads, "random_seed": 0, "output_flag": False}


@dataclass(frozen=True)
class PricingLP:
    """A model compiled once, its plan's choices, and the pricing LP's optimum."""

    instance: HighsInstance
    fixed: dict[int, float]
    base: RunResult

    @property
    def cost_usd(self) -> float:
        return self.base.objective * USD_SCALE if self.base.has_solution else math.nan

    def run(self, **changes) -> RunResult:
        """The pricing LP with ``changes`` (``upper``/``lower`` column bounds, ``row_upper``/``row_lower``)."""
        upper = {**self.fixed, **changes.pop("upper", {})}
        lower = {**self.fixed, **changes.pop("lower", {})}
        return self.instance.run(LP_TIME_LIMIT_S, mip_gap=0.0, relax=self.instance.all, lower=lower, upper=upper,
                                 duals=True, **changes)


def pricing_lp(model: pyo.ConcreteModel, choices: Choices, threads: int = 1) -> PricingLP:
    instance = HighsInstance(model, highs_options(threads))
    fixed = choice_bounds(instance, choices)
    base = instance.run(LP_TIME_LIMIT_S, mip_gap=0.0, relax=instance.all, lower=fixed, upper=fixed, duals=True)
    return PricingLP(instance, fixed, base)


def pricing_cost_usd(inputs: ModelInputs, choices: Choices, extra: tuple[Builder, ...] = ()) -> float:
    """Yearly cost of the pricing LP of ``inputs`` (reduced and built afresh) at ``choices`` [USD/year];
    nan when that LP is infeasible. Finite differences of this are what the duals must match."""
    model = build_model(reduce_inputs(inputs).inputs, extra)
    return pricing_lp(model, choices).cost_usd


# ----------------------------------------------------------------------------------------------- duals

def _bound_value(limit: Limit, con_or_var, dual: float) -> float:
    """Fall in the objective (model units) per model unit of relaxation, from HiGHS's dual (its
    d(objective)/d(bound)): a finite upper bound is relaxed upwards, a lower one downwards."""
    if limit.side is Side.COLUMN_UPPER:
        return -dual
    return dual if con_or_var.upper is None else -dual


def _entries(pricing: PricingLP, limit: Limit, component) -> list[tuple[str, float]]:
    """(name, value in model units) for each member of one limit component in the pricing LP."""
    base, instance = pricing.base, pricing.instance
    out = []
    if limit.side is Side.ROW:
        members = [c for c in component.values() if c.active] if component.is_indexed() else [component]
        rows = instance.rows_of(members)
        for con, row in zip(members, rows):
            out.append((index_name(con.index()), _bound_value(limit, con, float(base.row_duals[row]))))
    else:
        data = list(component.values()) if component.is_indexed() else [component]
        free = [v for v in data if not v.fixed]
        columns = instance.positions(free)
        for var, j in zip(free, columns):
            at_upper = var.ub is not None and base.values[j] >= var.ub - 1e-7 * max(1.0, abs(var.ub))
            out.append((index_name(var.index()), _bound_value(limit, var, float(base.col_duals[j])) if at_upper else 0.0))
    return out


def dual_values(pricing: PricingLP) -> pd.DataFrame:
    """One row per priced limit member: constraint, name, value [USD/year per unit], unit."""
    if pricing.base.row_duals is None:
        return pd.DataFrame(columns=["constraint", "name", "value", "unit"])
    rows = []
    for limit, component in limits_in(pricing.instance.model):
        if not limit.priced:
            continue
        usd_per_unit = USD_SCALE / limit.units_per_model_unit
        for name, value in _entries(pricing, limit, component):
            rows.append((limit.kind, name, value * usd_per_unit, f"USD/year per {limit.unit}"))
    table = pd.DataFrame(rows, columns=["constraint", "name", "value", "unit"])
    # A limit held by a row and a bound (site connection) is worth the sum of both duals.
    return table.groupby(["constraint", "name", "unit"], as_index=False, sort=False)["value"].sum()[
        ["constraint", "name", "value", "unit"]]


def demand_values(pricing: PricingLP, tokens_per_year_per_peak_rate: pd.Series,
                  inputs: ModelInputs | None = None) -> pd.DataFrame:
    """Marginal cost of demand per (region, class) in USD per million tokens: the demand rows' duals; where
    part of the demand goes unmet, the unmet price of the tokens one more token/s of the daily profile loses
    (``load_duration.marginal_lost_share``; the row's dual holds the chords' breakpoints, and so the profile's
    width, fixed)."""
    model = pricing.instance.model
    balance = model.component(DEMAND_BALANCE)
    if balance is None or pricing.base.row_duals is None:
        return pd.DataFrame(columns=["constraint", "name", "value", "unit"])
    members = list(balance.values())
    duals = pricing.base.row_duals[pricing.instance.rows_of(members)]
    unmet_share = _unmet_shares(model, inputs)
    rows = []
    for con, dual in zip(members, duals):
        region, service_class = con.index()
        usd_per_year_per_token_rate = float(dual) * USD_SCALE / TOKENS_SCALE
        usd_per_mtok = usd_per_year_per_token_rate / tokens_per_year_per_peak_rate[service_class] * 1e6
        share = unmet_share.get((region, service_class), 0.0)
        if share > UNMET_SHARE_TOL:
            price = (float(inputs.unmet_penalty_usd_per_tokens_per_s_year[service_class])
                     / tokens_per_year_per_peak_rate[service_class] * 1e6)
            usd_per_mtok = price * marginal_lost_share(share, _ratio(inputs, service_class))
        rows.append(("marginal_cost", f"{region}/{service_class}", usd_per_mtok, "USD per million tokens"))
    return pd.DataFrame(rows, columns=["constraint", "name", "value", "unit"])


UNMET_SHARE_TOL = 1e-9


def _unmet_shares(model, inputs: ModelInputs | None) -> dict:
    unmet = model.component(UNMET)
    if inputs is None or unmet is None:
        return {}
    demand = inputs.demand_tokens_per_s
    return {key: (var.value or 0.0) * TOKENS_SCALE / float(demand[key]) for key, var in unmet.items()
            if float(demand.get(key, 0.0)) > 0}


def _ratio(inputs: ModelInputs, service_class: str) -> float:
    ratios = inputs.unmet_peak_to_mean_ratio
    return 1.0 if ratios is None else float(ratios.get(service_class, 1.0))


# ----------------------------------------------------------------------------------------------- latency

ArcsFor = Callable[[pd.Series], pd.DataFrame]
"""budgets per class [ms] -> serve arcs within them (the latency stage, wired by the pipeline)."""


def latency_values(inputs: ModelInputs, choices: Choices, base_cost_usd: float, arcs_for: ArcsFor,
                   step_share: float, extra: tuple[Builder, ...] = ()) -> pd.DataFrame:
    """A latency budget prunes arcs rather than being a row, so it has no dual: its value is the pricing
    LP re-solved with the arcs of the budget plus and minus a step (``step_share`` of it), as one-sided
    differences in USD/year per ms (fall in cost per ms of a looser budget)."""
    rows = []
    for service_class, budget in inputs.rtt_budget_ms.items():
        step = step_share * float(budget)
        if step <= 0:
            continue
        for kind, sign in (("rtt_budget_looser", 1.0), ("rtt_budget_tighter", -1.0)):
            budgets = inputs.rtt_budget_ms.copy()
            budgets[service_class] = budget + sign * step
            arcs = arcs_for(budgets)
            if arcs.index.equals(inputs.serve_arcs.index):  # no pair enters or leaves: the same LP
                cost = base_cost_usd
            else:
                cost = pricing_cost_usd(replace(inputs, serve_arcs=arcs, rtt_budget_ms=budgets), choices, extra)
            value = (base_cost_usd - cost) / step if sign > 0 else (cost - base_cost_usd) / step
            rows.append((kind, f"{service_class} ({budget:g} ms {'+' if sign > 0 else '-'} {step:g})", value,
                         "USD/year per ms"))
    return pd.DataFrame(rows, columns=["constraint", "name", "value", "unit"])


def positions_by_index(instance: HighsInstance, component) -> dict[object, int]:
    """index -> column of each unfixed member of ``component``."""
    free = [(index, var) for index, var in component.items() if not var.fixed]
    return dict(zip([i for i, _ in free], instance.positions([v for _, v in free])))


def column_values(result: RunResult, columns: dict[object, int]) -> dict[object, float]:
    if result.values is None:
        return {}
    return {index: float(result.values[j]) for index, j in columns.items()}

