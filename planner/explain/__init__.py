"""The explain stage, after solve: why demand goes unmet, what each limit is worth, which limits bind,
and (``alternatives``) how robust the siting is.

scenario -> inputs -> MIP -> solve -> results -> explain -> report. ``explain`` reads the solved model and
its inputs only; the pipeline hands it the latency stage as a function for the budget re-solves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import pyomo.core as pyo

from planner.explain.binding import binding_constraints
from planner.explain.pricing import (ArcsFor, choices_from_plan, choices_of, demand_values, dual_values, latency_values,
                                     pricing_cost_usd, pricing_lp)
from planner.explain.reasons import UnmetReason, class_terms, expand_pooled, reasons_table, unmet_reasons
from planner.mip.build import Builder
from planner.mip.inputs import ModelInputs
from planner.mip.reduce import POOL_PREFIX

__all__ = ["ExplainOptions", "Explanation", "UnmetReason", "explain", "pricing_cost_usd", "choices_of",
           "choices_from_plan"]

ALWAYS_REPORTED = ("zone_headroom", "export_cap", "chip_supply")  # listed even when worth nothing
VALUE_TOL_USD = 1e-3  # smaller values are LP noise


@dataclass(frozen=True)
class ExplainOptions:
    latency_values: bool = False
    """Re-solve the pricing LP at each class's budget plus and minus a step (up to two model builds a
    class; ``planner solve`` turns this on)."""
    latency_step_share: float = 0.1
    """The budget step, as a share of the budget."""
    threads: int = 1


@dataclass(frozen=True)
class Explanation:
    unmet_reasons: tuple[UnmetReason, ...]
    marginal_values: pd.DataFrame
    """constraint, name, value (fall in yearly cost per unit of relaxation), unit."""
    binding_constraints: pd.DataFrame
    """constraint, name, component, limit, slack, unit, value."""
    pricing_cost_usd: float
    """Yearly cost of the pricing LP (the plan's yes/no decisions, counts continuous) [USD/year]."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_metadata(self) -> dict:
        return {"unmet_reasons": [r.as_dict() for r in self.unmet_reasons],
                "marginal_values": _records(self.marginal_values[["constraint", "name", "value", "unit"]]),
                "binding_constraints": _records(self.binding_constraints),
                "pricing_lp_cost_usd": self.pricing_cost_usd if math.isfinite(self.pricing_cost_usd) else None,
                "explain_notes": list(self.notes)}

    def reasons_table(self) -> pd.DataFrame:
        return reasons_table(self.unmet_reasons)


def _records(table: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
            for row in table.to_dict("records")]


def explain(model: pyo.ConcreteModel, inputs: ModelInputs, original: ModelInputs,
            tokens_per_year_per_peak_rate: pd.Series, arcs_for: ArcsFor | None = None,
            options: ExplainOptions | None = None, extra: tuple[Builder, ...] = ()) -> Explanation:
    """Explain the plan held in ``model`` (built from the reduced ``inputs``; ``original`` before reduction)."""
    options = options or ExplainOptions()
    choices = choices_of(model)
    pricing = pricing_lp(model, choices, options.threads)
    if not pricing.base.has_solution:
        binding = binding_constraints(model)
        empty = pd.DataFrame(columns=["constraint", "name", "value", "unit"])
        return Explanation((), empty, binding.assign(value=math.nan), math.nan,
                           ("the pricing LP at the plan's decisions has no solution",))
    terms = class_terms(inputs, tokens_per_year_per_peak_rate)
    reasons = expand_pooled(unmet_reasons(pricing, terms), original.demand_tokens_per_s)
    duals = dual_values(pricing)
    duals = duals[(duals["value"].abs() > VALUE_TOL_USD) | duals["constraint"].isin(ALWAYS_REPORTED)]
    worth = duals[duals["value"].abs() > VALUE_TOL_USD]
    binding = binding_constraints(model, set(zip(worth["constraint"], worth["name"])))
    values = [duals, _expand_demand(demand_values(pricing, tokens_per_year_per_peak_rate, inputs), original)]
    if options.latency_values and arcs_for is not None:
        values.append(latency_values(original, choices, pricing.cost_usd, arcs_for, options.latency_step_share, extra))
    marginal = pd.concat([v for v in values if len(v)], ignore_index=True) if any(len(v) for v in values) else duals
    binding = binding.merge(duals[["constraint", "name", "value"]], on=["constraint", "name"], how="left")
    return Explanation(tuple(reasons), marginal.reset_index(drop=True), binding, pricing.cost_usd)


def _expand_demand(table: pd.DataFrame, original: ModelInputs) -> pd.DataFrame:
    """A pooled class's marginal cost holds for each of its regions."""
    rows = []
    for row in table.itertuples(index=False):
        region, service_class = row.name.rsplit("/", 1)
        if region.startswith(POOL_PREFIX):
            regions = original.demand_tokens_per_s.xs(service_class, level="service_class").index
            rows += [(row.constraint, f"{r}/{service_class}", row.value, row.unit) for r in regions]
        else:
            rows.append(tuple(row))
    return pd.DataFrame(rows, columns=["constraint", "name", "value", "unit"])
