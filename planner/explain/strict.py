"""Strict mode: demand must be met in full. Unmet demand (and training shortfalls) are held at zero; when
the LP relaxation is then infeasible, HiGHS's irreducible infeasible subset is mapped back to named
constraints and explained in the same words as unmet demand in elastic mode."""

from __future__ import annotations

import pyomo.core as pyo

from planner.errors import InfeasibleError
from planner.explain.names import TRAINING_SHORTFALLS, UNMET
from planner.explain.pricing import LP_TIME_LIMIT_S, highs_options
from planner.explain.reasons import ClassTerms, UnmetReason, explain_iis
from planner.highs import HighsInstance

IIS_MEMBERS_SHOWN = 12


def hold_unmet_at_zero(model: pyo.ConcreteModel) -> None:
    """Upper bound 0 on every variable that carries unmet demand or a training shortfall."""
    for name in (UNMET, *TRAINING_SHORTFALLS):
        component = model.component(name)
        if component is not None:
            for var in component.values():
                var.setub(0.0)


def check_lp_feasible(model: pyo.ConcreteModel, terms: ClassTerms, threads: int = 1) -> None:
    """Raise ``InfeasibleError`` with the explained IIS when the LP relaxation of ``model`` is infeasible."""
    instance = HighsInstance(model, highs_options(threads))
    iis = instance.iis(LP_TIME_LIMIT_S)
    if iis is None:
        return
    explained = explain_iis(instance, iis, terms)
    raise InfeasibleError(infeasible_message(explained.reasons, explained.members), explained.reasons,
                          explained.members)


def infeasible_message(reasons: tuple[UnmetReason, ...] | list[UnmetReason], iis: tuple[str, ...] = ()) -> str:
    lines = ["strict mode: the plan cannot meet all demand within its limits"]
    for r in list(reasons)[:10]:
        where = f"{r.region} / {r.service_class}" if r.region else "the plan"
        lines.append(f"  - {where}: {r.reason} ({r.constraint})")
    if len(reasons) > 10:
        lines.append(f"  - ... and {len(reasons) - 10} more region-classes")
    if iis:
        shown = ", ".join(iis[:IIS_MEMBERS_SHOWN]) + (f", ... ({len(iis)} in all)" if len(iis) > IIS_MEMBERS_SHOWN else "")
        lines.append(f"  irreducible infeasible subset of the LP relaxation: {shown}")
    return "\n".join(lines)
