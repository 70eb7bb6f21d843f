"""Reading a solved Pyomo model back into a ``Plan`` of tidy tables in canonical units."""

from __future__ import annotations

import math

import pandas as pd
import pyomo.environ as pyo

from planner.mip.inputs import TOKENS_SCALE, USD_SCALE, ModelInputs
from planner.results import Plan
from planner.solve import SolveOutcome
from planner.units import KW_PER_MW

ROUND_CHIPS = 0  # chips are integer; round away solver tolerance noise


def _value(var) -> float:
    value = pyo.value(var, exception=False)
    return 0.0 if value is None else float(value)


def _fleet(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    rows = [(s, k, round(_value(m.chips[s, k]), ROUND_CHIPS)) for s, k in m.SITE_CHIPS]
    fleet = pd.DataFrame(rows, columns=["site", "chip", "chips"]).astype({"chips": float})
    fleet = fleet[fleet["chips"] > 0].reset_index(drop=True)
    fleet["it_mw"] = fleet["chips"] * fleet["chip"].map(inputs.chips["power_kw"]).astype(float) / KW_PER_MW
    return fleet


def _allocation(m: pyo.ConcreteModel) -> pd.DataFrame:
    rows = [(s, k, q, _value(m.chips_serving[s, k, q])) for s, k, q in m.CAPACITY]
    table = pd.DataFrame(rows, columns=["site", "chip", "service_class", "chips_serving"]).astype({"chips_serving": float})
    return table[table["chips_serving"] > 1e-9].reset_index(drop=True)


def _serving(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    rows = [(r, q, s, _value(m.serve_ktokens_per_s[r, q, s]) * TOKENS_SCALE) for r, q, s in m.SERVE_ARCS]
    table = pd.DataFrame(rows, columns=["region", "service_class", "site", "tokens_per_s"]).astype({"tokens_per_s": float})
    table = table[table["tokens_per_s"] > 1e-6].reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(table[["region", "service_class", "site"]])
    table["rtt_ms"] = inputs.serve_arcs["rtt_ms"].reindex(keys).to_numpy()
    return table


def _unmet(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    demand = inputs.demand_tokens_per_s
    rows = [(r, q, float(demand[r, q]), _value(m.unmet_ktokens_per_s[r, q]) * TOKENS_SCALE) for r, q in m.DEMANDS]
    return pd.DataFrame(rows, columns=["region", "service_class", "demand_tokens_per_s", "unmet_tokens_per_s"])


def _sites(m: pyo.ConcreteModel, inputs: ModelInputs, fleet: pd.DataFrame, serving: pd.DataFrame) -> pd.DataFrame:
    sites = inputs.sites[["lat", "lon", "max_grid_mw", "pue"]].copy()
    sites["is_open"] = [_value(m.open_site[s]) > 0.5 for s in sites.index]
    sites["chips"] = fleet.groupby("site")["chips"].sum().reindex(sites.index, fill_value=0)
    sites["it_mw"] = fleet.groupby("site")["it_mw"].sum().reindex(sites.index, fill_value=0.0)
    sites["grid_mw"] = [_value(m.grid_mw[s]) for s in sites.index]
    sites["served_tokens_per_s"] = serving.groupby("site")["tokens_per_s"].sum().reindex(sites.index, fill_value=0.0)
    return sites


def _costs(m: pyo.ConcreteModel) -> pd.DataFrame:
    rows = [(term.local_name.removesuffix("_cost_musd"), pyo.value(term) * USD_SCALE) for term in m.cost_terms]
    return pd.DataFrame(rows, columns=["component", "usd_per_year"])


def _empty_plan_tables() -> dict[str, pd.DataFrame]:
    return {
        "sites": pd.DataFrame(columns=["is_open", "chips", "it_mw", "grid_mw", "max_grid_mw", "served_tokens_per_s"],
                              index=pd.Index([], name="site")),
        "fleet": pd.DataFrame(columns=["site", "chip", "chips", "it_mw"]),
        "allocation": pd.DataFrame(columns=["site", "chip", "service_class", "chips_serving"]),
        "serving": pd.DataFrame(columns=["region", "service_class", "site", "tokens_per_s", "rtt_ms"]),
        "unmet": pd.DataFrame(columns=["region", "service_class", "demand_tokens_per_s", "unmet_tokens_per_s"]),
        "costs": pd.DataFrame(columns=["component", "usd_per_year"]),
    }


def extract(m: pyo.ConcreteModel, inputs: ModelInputs, outcome: SolveOutcome, scenario_hash: str,
            metadata: dict | None = None) -> Plan:
    """The plan held in ``m`` after ``solve``; empty tables when the solver found no solution."""
    common = dict(scenario_name=inputs.name, scenario_hash=scenario_hash, status=outcome.termination,
                  objective_usd=outcome.objective * USD_SCALE if outcome.has_solution else math.nan,
                  bound_usd=outcome.bound * USD_SCALE if math.isfinite(outcome.bound) else math.nan,
                  gap=outcome.gap, metadata=dict(metadata or {}))
    if not outcome.has_solution:
        return Plan(**common, **_empty_plan_tables())
    fleet, serving = _fleet(m, inputs), _serving(m, inputs)
    return Plan(**common, sites=_sites(m, inputs, fleet, serving), fleet=fleet, allocation=_allocation(m),
                serving=serving, unmet=_unmet(m, inputs), costs=_costs(m))
