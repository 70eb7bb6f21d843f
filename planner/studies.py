"""Policy studies built on the pipeline: one scenario re-solved across a policy knob.

``export_cap_study``: cost and chip mix as the national TPP cap on controlled chips tightens from none to
0% of a rule pack's cap (the AI Diffusion Tier 2 cap by default). Upstream stages run once; only the MIP
is re-solved, since the cap enters the model alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from planner.catalog.policy import resolve_policy
from planner.catalog import load_catalog
from planner.pipeline import prepare, solve_prepared
from planner.scenario.schema import Scenario
from planner.solve import SolveOptions

DEFAULT_CAP_SHARES: tuple[float | None, ...] = (None, 1.0, 0.75, 0.5, 0.25, 0.1, 0.0)


def export_cap_study(scenario: Scenario, shares: Sequence[float | None] = DEFAULT_CAP_SHARES,
                     rules: str = "diffusion-2025", options: SolveOptions | None = None) -> pd.DataFrame:
    """One row per cap share (None = no cap): cap, cost, bound, gap, unmet and chips by type."""
    scenario = scenario.model_copy(update={"policy": scenario.policy.model_copy(update={"rules": rules})})
    prepared = prepare(scenario)
    pack_cap = resolve_policy(load_catalog(), scenario.country_iso3, scenario.effective_policy_date, rules).tpp_cap
    rows = []
    for share in shares:
        cap = None if share is None or pack_cap is None else pack_cap * share
        inputs = replace(prepared.inputs, policy=replace(prepared.inputs.policy, tpp_cap=cap))
        result = solve_prepared(replace(prepared, inputs=inputs), options)
        rows.append({"cap_share": share, "tpp_cap": cap, "objective_usd": result.objective_usd,
                     "bound_usd": result.bound_usd, "gap": result.gap, "status": str(result.status),
                     "unmet_tokens_per_s": result.unmet_tokens_per_s,
                     "verified": result.metadata["verification"]["ok"],
                     **{f"chips_{chip}": n for chip, n in result.chips_by_type().items()}})
    table = pd.DataFrame(rows)
    chip_columns = [c for c in table.columns if c.startswith("chips_")]
    table[chip_columns] = table[chip_columns].fillna(0).astype(int)
    return table


def is_monotone_in_cap(table: pd.DataFrame) -> bool:
    """A tighter cap never lowers cost: each incumbent is at least the bound of every looser cap."""
    ordered = table.assign(order=table["tpp_cap"].fillna(math.inf)).sort_values("order", ascending=False)
    best_bound = -math.inf
    for row in ordered.itertuples():
        best_bound = max(best_bound, row.bound_usd)
        if row.objective_usd < best_bound - 1e-6 * abs(best_bound):
            return False
    return True
