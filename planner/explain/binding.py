"""Binding constraints of a plan: each limit member whose slack at the plan is within a small share of it."""

from __future__ import annotations

import pandas as pd
import pyomo.core as pyo

from planner.explain.names import Side, index_name, limits_in, member_name

BINDING_SHARE = 1e-3  # slack within 0.1% of the limit (integer chip counts leave a fraction of a chip)
BINDING_ABS = 1e-6  # in model units, for limits at zero


def binding_constraints(model: pyo.ConcreteModel, priced: set[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """constraint, name, component, limit, slack, unit for every binding limit member at the plan held in
    ``model`` (slack and limit in the limit's canonical unit): slack within a small share of the limit, or a
    member of ``priced`` ((constraint, name) worth something in the pricing LP: integer counts can leave up
    to one chip's worth of slack at a limit that binds)."""
    rows = []
    for limit, component in limits_in(model):
        if not limit.reported_binding:
            continue
        scale = limit.units_per_model_unit
        for index, data in component.items():
            bound_slack = _slack(limit.side, data)
            if bound_slack is None:
                continue
            bound, slack = bound_slack
            if slack <= BINDING_ABS + BINDING_SHARE * abs(bound) or (limit.kind, index_name(index)) in priced:
                rows.append((limit.kind, index_name(index), member_name(limit.component, index),
                             bound * scale, max(slack, 0.0) * scale, limit.unit))
    return pd.DataFrame(rows, columns=["constraint", "name", "component", "limit", "slack", "unit"])


def _slack(side: Side, data) -> tuple[float, float] | None:
    """(the finite bound, its slack) at the model's current values; None without a value or bound."""
    if side is Side.COLUMN_UPPER:
        if data.fixed or data.ub is None or data.value is None:
            return None
        return float(data.ub), float(data.ub) - float(data.value)
    if not data.active:
        return None
    body = pyo.value(data.body, exception=False)
    if body is None:
        return None
    if data.upper is not None and not data.equality:
        return float(pyo.value(data.upper)), float(pyo.value(data.upper)) - body
    if data.lower is not None and not data.equality:
        return float(pyo.value(data.lower)), body - float(pyo.value(data.lower))
    return None
