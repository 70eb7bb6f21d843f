"""Inference economics of a solved plan, read from its result tables (never the MIP): the levelised cost of a
token by class, region and year, the input/output split, energy and carbon per token, and the compute
balance between training and inference.

``assess(plan, rates)`` returns the plan.json entries and the serving table with its yearly token columns;
``planner.pipeline`` attaches both to the plan. Money only: penalties (unmet demand, latency quality,
training shortfall) are not cash and are not in any cost per token.

Plans over several years (tables with a ``year`` column) are assessed year by year: each year's money
(the costs table's rows of that year, or the plan's money split by ``cost_usd_by_year`` where the costs
table has no year) is allocated to that year's capacity and tokens; horizon figures are token-weighted
(costs) or yearly means (quantities per year).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import SimpleNamespace

import pandas as pd

from planner.economics.allocate import allocate_money, money_components
from planner.economics.energy import compute_balance, energy_and_carbon
from planner.economics.rates import TRAINING_ROLE, EconomicsRates
from planner.economics.tokens import cost_per_million_tokens, input_output_split, serving_costs

__all__ = ["Economics", "EconomicsRates", "assess"]

SLICED_TABLES = ("allocation", "fleet", "sites", "cooling_halls", "serving", "unmet", "costs")


@dataclass(frozen=True)
class Economics:
    metadata: dict
    """plan.json entries (``cost_per_million_tokens_usd``, ``output_tokens_served_per_year``, ...)."""
    serving: pd.DataFrame
    """The plan's serving table with ``tokens_per_year`` (and ``input_tokens_per_year``) columns."""
    rows: pd.DataFrame
    """The allocated capacity: one row per (site, chip, role[, year]) with its money, energy and emissions."""


def _years(plan) -> list:
    for name in ("allocation", "serving"):
        table = getattr(plan, name)
        if "year" in table and len(table):
            return sorted(table["year"].dropna().unique().tolist())
    return []


def _slice(table: pd.DataFrame, year) -> pd.DataFrame:
    if "year" in table:
        return table[table["year"] == year]
    if "year" in getattr(table.index, "names", []):
        return table.xs(year, level="year")
    return table


def _year_costs(plan, year, years: list) -> pd.DataFrame:
    """The costs of ``year``: its own rows, or the plan's money scaled by the year's share of cost_usd_by_year."""
    if "year" in plan.costs:
        return plan.costs[plan.costs["year"] == year]
    by_year = {str(k): float(v) for k, v in (plan.metadata.get("cost_usd_by_year") or {}).items()
               if isinstance(v, (int, float))}
    total = sum(by_year.values())
    share = by_year.get(str(year), 0.0) / total if total > 0 else 1.0 / len(years)
    return plan.costs.assign(usd_per_year=plan.costs["usd_per_year"].astype(float) * share)


def _table(plan, name: str) -> pd.DataFrame:
    table = getattr(plan, name, None)
    return pd.DataFrame() if table is None else table


def _tables_of(plan, year, years: list) -> SimpleNamespace:
    tables = {name: _slice(_table(plan, name), year) for name in SLICED_TABLES}
    tables["costs"] = _year_costs(plan, year, years)
    return SimpleNamespace(**tables)


def _rates_of(rates: EconomicsRates | Mapping, year) -> EconomicsRates:
    if isinstance(rates, EconomicsRates):
        return rates
    return rates[year] if year in rates else rates[next(iter(rates))]


def _all_years(rates: EconomicsRates | Mapping) -> EconomicsRates:
    """One year's rates with every year's chip FLOP/s (chips of later generations appear in later years)."""
    if isinstance(rates, EconomicsRates):
        return rates
    flops = [r.peak_flops for r in rates.values() if r.peak_flops is not None]
    merged = pd.concat(flops)[lambda f: ~f.index.duplicated(keep="last")] if flops else None
    return replace(_rates_of(rates, None), peak_flops=merged)


def _allocate(plan, rates: EconomicsRates | Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    years = _years(plan)
    if not years:
        rates = _rates_of(rates, None)
        rows = allocate_money(plan, rates)
        return rows, serving_costs(rows, plan.serving, rates, _table(plan, "unmet"))
    all_rows, all_serving = [], []
    for year in years:
        tables, year_rates = _tables_of(plan, year, years), _rates_of(rates, year)
        rows = allocate_money(tables, year_rates).assign(year=year)
        all_rows.append(rows)
        all_serving.append(serving_costs(rows, tables.serving, year_rates, tables.unmet))
    return pd.concat(all_rows, ignore_index=True), pd.concat(all_serving, ignore_index=True)


def _demanded(plan) -> tuple[list[str], list[str]]:
    """Classes and regions with demand (the unmet table lists every demand, met or not)."""
    unmet = getattr(plan, "unmet", None)
    if unmet is None or unmet.empty:
        return [], []
    return sorted(unmet["service_class"].astype(str).unique()), sorted(unmet["region"].astype(str).unique())


def _per_year_mean(value: float, n_years: int) -> float:
    return float(value) / max(n_years, 1)


def assess(plan, rates: EconomicsRates | Mapping) -> Economics:
    """The economics of a solved ``plan`` (see the module docstring); ``rates`` may be given per year."""
    rows, serving = _allocate(plan, rates)
    n_years = max(len(_years(plan)), 1)
    inference = rows[rows["role"] != TRAINING_ROLE]
    component_columns = [c for c in rows.columns if c.endswith("_usd_per_year") and c != "chip_usd_per_year"]
    by_component = {c.removesuffix("_usd_per_year"): _per_year_mean(inference[c].sum(), n_years)
                    for c in component_columns}
    meta = {
        "cost_per_million_tokens_usd": cost_per_million_tokens(serving, *_demanded(plan)),
        "output_tokens_served_per_year": _per_year_mean(serving["tokens_per_year"].sum(), n_years),
        "inference_cost_usd_per_year": _per_year_mean(inference["usd_per_year"].sum(), n_years),
        "training_cost_usd_per_year": _per_year_mean(rows.loc[rows["role"] == TRAINING_ROLE, "usd_per_year"].sum(),
                                                     n_years),
        "inference_cost_by_component_usd_per_year": by_component,
        "energy_and_carbon": energy_and_carbon(rows, serving, n_years),
        "compute_balance": compute_balance(rows, _all_years(rates)),
    }
    if "input_tokens_per_year" in serving:
        meta["input_tokens_served_per_year"] = _per_year_mean(serving["input_tokens_per_year"].sum(), n_years)
    split = input_output_split(serving, _demanded(plan)[0])
    if split is not None:
        meta["cost_per_million_tokens_split_usd"] = split
    if n_years > 1:
        meta["output_tokens_served_by_year"] = {str(y): float(p["tokens_per_year"].sum())
                                                for y, p in serving.groupby("year")}
        is_training = rows["role"] == TRAINING_ROLE
        meta["inference_cost_usd_by_year"] = {str(y): float(v) for y, v in
                                              rows.loc[~is_training].groupby("year")["usd_per_year"].sum().items()}
        meta["training_cost_usd_by_year"] = {str(y): float(v) for y, v in
                                             rows.loc[is_training].groupby("year")["usd_per_year"].sum().items()}
    return Economics(metadata=meta, serving=serving, rows=rows)


def money_usd_per_year(plan) -> float:
    """The plan's money cost (all years) from its costs table [USD/year]."""
    return float(money_components(plan.costs).sum())
