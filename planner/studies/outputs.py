"""Outputs collected from each plan into the results table.

An output is either a derived one (a function of the plan's tables, below) or a key of ``plan.json``,
dotted for nested keys (``objective_usd``, ``policy.tpp_cap``, ``problem_size.n_variables``,
``verification.ok``): new keys that the pipeline writes into ``plan.json`` are outputs without any change
here. A name that is neither raises a ``StudyError`` naming the keys there are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pandas as pd

from planner.errors import Problem, StudyError

if TYPE_CHECKING:  # the study's client reads plans only when it must; Pyomo comes with them
    from planner.results import Plan

Derived = Callable[["Plan", pd.DataFrame], dict[str, object]]


def _chips(plan: Plan) -> pd.Series:
    return plan.chips_by_type().astype(float)


def _unmet_share(plan: Plan, _chips_table: pd.DataFrame) -> dict:
    demand = plan.demand_tokens_per_s
    return {"unmet_share": plan.unmet_tokens_per_s / demand if demand else math.nan}


def _chips_total(plan: Plan, _chips_table: pd.DataFrame) -> dict:
    return {"chips_total": float(_chips(plan).sum())}


def _controlled_chip_share(plan: Plan, chips: pd.DataFrame) -> dict:
    """Share of bought chips that are under US export control [-] (0 when nothing is bought)."""
    counts = _chips(plan)
    total = counts.sum()
    if not total:
        return {"controlled_chip_share": 0.0 if plan.has_solution else math.nan}
    controlled = ~chips["is_uncontrolled"].reindex(counts.index).fillna(False).astype(bool)
    return {"controlled_chip_share": float(counts[controlled].sum() / total)}


def _controlled_tpp(plan: Plan, chips: pd.DataFrame) -> dict:
    """TPP of the bought chips that count against a national cap [TPP]."""
    counts = _chips(plan)
    capped = chips.reindex(counts.index)
    mask = capped["counts_against_cap"].fillna(False).astype(bool)
    return {"capped_tpp": float((counts[mask] * capped.loc[mask, "tpp"]).sum())}


def _tpp_cap(plan: Plan, _chips_table: pd.DataFrame) -> dict:
    """National TPP cap the plan was made under [TPP] (NaN: none)."""
    cap = plan.metadata.get("policy", {}).get("tpp_cap")
    return {"tpp_cap": math.nan if cap is None else float(cap)}


def _chips_by_type(plan: Plan, _chips_table: pd.DataFrame) -> dict:
    return {f"chips_{chip}": float(n) for chip, n in _chips(plan).items()}


def _site_total(column: str) -> Derived:
    def total(plan: Plan, _chips_table: pd.DataFrame) -> dict:
        return {column: float(plan.sites[column].sum()) if len(plan.sites) else math.nan}
    total.__doc__ = f"Sum of the sites' {column}."
    return total


def _sites_open(plan: Plan, _chips_table: pd.DataFrame) -> dict:
    return {"sites_open": int(plan.sites["is_open"].sum()) if len(plan.sites) else 0}


def _costs(plan: Plan, _chips_table: pd.DataFrame) -> dict:
    return {f"cost_{row.component}_usd_per_year": float(row.usd_per_year) for row in plan.costs.itertuples()}


def _verified(plan: Plan, _chips_table: pd.DataFrame) -> dict:
    return {"verified": bool(plan.metadata.get("verification", {}).get("ok", False))}


def _max_line_loading(plan: Plan, _chips_table: pd.DataFrame) -> dict:
    lines = plan.grid_lines
    return {"max_line_loading_share": float(lines["loading_share"].max()) if len(lines) else math.nan}


DERIVED: dict[str, Derived] = {
    "unmet_share": _unmet_share,
    "chips_total": _chips_total,
    "controlled_chip_share": _controlled_chip_share,
    "capped_tpp": _controlled_tpp,
    "tpp_cap": _tpp_cap,
    "chips_by_type": _chips_by_type,
    "it_mw": _site_total("it_mw"),
    "grid_mw": _site_total("grid_mw"),
    "energy_mwh_per_year": _site_total("energy_mwh_per_year"),
    "emissions_t_per_year": _site_total("emissions_t_per_year"),
    "water_m3_per_year": _site_total("water_m3_per_year"),
    "sites_open": _sites_open,
    "costs": _costs,
    "verified": _verified,
    "max_line_loading_share": _max_line_loading,
}
"""Derived outputs; ``chips_by_type`` adds one ``chips_<chip>`` column per chip bought and ``costs`` one
``cost_<component>_usd_per_year`` column per cost component."""


def _scalar_keys(document: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in document.items():
        if isinstance(value, dict):
            keys += _scalar_keys(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            keys.append(f"{prefix}{key}")
    return keys


def _document_value(document: dict, name: str) -> object:
    node: object = document
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(name)
        node = node[part]
    if isinstance(node, (dict, list)):
        raise KeyError(name)
    return math.nan if node is None else node


def unknown_output(name: str, index: int, document: dict, source: str) -> StudyError:
    known = ", ".join(sorted(DERIVED)) + "; plan.json keys: " + ", ".join(_scalar_keys(document))
    return StudyError([Problem(source, f"outputs.{index}", f"unknown output: expected a derived output or a "
                                                             f"plan.json key ({known})", name)])


def collect(plan: Plan, chips: pd.DataFrame, names: Iterable[str], source: str = "study") -> dict[str, object]:
    """The outputs ``names`` of one plan as one flat mapping (column -> value)."""
    document = plan.to_json_dict()
    row: dict[str, object] = {}
    for index, name in enumerate(names):
        if name in DERIVED:
            row.update(DERIVED[name](plan, chips))
            continue
        try:
            row[name] = _document_value(document, name)
        except KeyError:
            raise unknown_output(name, index, document, source) from None
    return row
