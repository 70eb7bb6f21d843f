"""Comparing a study's runs: outcome tables against parameters, Pareto fronts, Monte Carlo percentiles, and
the monotonicity check of a tightening constraint."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from planner.studies.store import RunState

DEFAULT_PERCENTILES = (5, 25, 50, 75, 95)
MC_OUTPUTS = ("objective_usd", "chips_total", "it_mw", "grid_mw")
"""The distributions a Monte Carlo summary shows by default: yearly cost, chips, IT and grid MW."""


def finished(table: pd.DataFrame) -> pd.DataFrame:
    """Rows whose run produced a plan."""
    return table[table["state"].map(lambda s: RunState(s).is_finished)]


def comparison_table(table: pd.DataFrame, parameters: Sequence[str], outputs: Sequence[str]) -> pd.DataFrame:
    """Outputs of the finished runs indexed by the parameters, sorted by them."""
    return finished(table).set_index(list(parameters))[list(outputs)].sort_index()


def pareto_front(table: pd.DataFrame, objectives: Mapping[str, str]) -> pd.DataFrame:
    """Rows of ``table`` that no other row dominates, for ``objectives`` (column -> "min" or "max"); sorted
    by the first objective. A row dominates another when it is at least as good in every objective and
    better in one; rows with a missing objective (a failed run) take no part."""
    senses = {column: sense.lower() for column, sense in objectives.items()}
    if not senses or any(sense not in {"min", "max"} for sense in senses.values()):
        raise ValueError("objectives must map columns to 'min' or 'max'")
    candidates = finished(table).dropna(subset=list(senses))
    values = np.column_stack([candidates[c].to_numpy(float) * (1 if s == "min" else -1) for c, s in senses.items()])
    keep = np.ones(len(candidates), dtype=bool)
    for i in range(len(candidates)):
        no_worse = np.all(values <= values[i], axis=1)
        better = np.any(values < values[i], axis=1)
        keep[i] = not np.any(no_worse & better)
    return candidates[keep].sort_values(list(senses))


def percentiles(table: pd.DataFrame, outputs: Iterable[str] = MC_OUTPUTS,
                q: Sequence[float] = DEFAULT_PERCENTILES, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Distribution of each output over the finished runs: count, mean and the percentiles ``q`` (columns
    ``p5`` ...), one row per output (and per value of ``by``, e.g. a policy crossed with uncertain demand)."""
    rows = finished(table)
    outputs = [o for o in outputs if o in rows.columns]
    groups = [((), rows)] if by is None else rows.groupby(by if isinstance(by, str) else list(by))
    records = []
    for group, members in groups:
        group = group if isinstance(group, tuple) else (group,)
        for output in outputs:
            values = members[output].dropna().to_numpy(float)
            record = dict(zip([] if by is None else ([by] if isinstance(by, str) else list(by)), group))
            record.update(output=output, count=len(values), mean=values.mean() if len(values) else math.nan)
            record.update({f"p{p:g}": np.percentile(values, p) if len(values) else math.nan for p in q})
            records.append(record)
    index = ["output"] if by is None else ([by] if isinstance(by, str) else list(by)) + ["output"]
    return pd.DataFrame(records).set_index(index)


def monotone_violations(table: pd.DataFrame, knob: str, tighter: str = "lower", cost: str = "objective_usd",
                        bound: str = "bound_usd", rtol: float = 1e-6) -> pd.DataFrame:
    """Rows where tightening ``knob`` lowered the cost: a run whose incumbent is below the proven bound of a
    looser run (exact up to the solver gaps). ``tighter``: "lower" (a cap: lower is tighter) or "higher".
    A missing knob value (no limit) counts as the loosest. Meant for runs that differ in ``knob`` alone."""
    if tighter not in {"lower", "higher"}:
        raise ValueError("tighter must be 'lower' or 'higher'")
    rows = finished(table)
    loosest = math.inf if tighter == "lower" else -math.inf
    order = rows[knob].astype(float).fillna(loosest)
    ordered = rows.assign(_order=order).sort_values("_order", ascending=(tighter == "higher"), kind="stable")
    best_bound, violations = -math.inf, []
    for _, group in ordered.groupby("_order", sort=False):  # loosest first; equal knob values together
        violations += list(group.index[group[cost] < best_bound - rtol * abs(best_bound)])
        best_bound = max(best_bound, group[bound].max())
    return table.loc[violations]


def is_monotone_in_cap(table: pd.DataFrame, cap: str = "tpp_cap") -> bool:
    """A tighter cap never lowers cost: each incumbent is at least the bound of every looser cap (``cap``: the
    column of the cap in force, the ``tpp_cap`` output by default)."""
    return monotone_violations(table, cap, tighter="lower").empty
