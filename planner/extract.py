"""Reading a solved Pyomo model back into a ``Plan`` of tidy tables in canonical units."""

from __future__ import annotations

import math

import pandas as pd
import pyomo.core as pyo

from planner.mip.components.training import FLOPS_SCALE
from planner.mip.inputs import TOKENS_SCALE, TRAINING_ROLE, USD_SCALE, ModelInputs
from planner.results import Plan
from planner.solve import SolveOutcome
from planner.units import KG_PER_T, KW_PER_MW

INTEGRALITY_TOL = 1e-6  # chip counts this close to an integer are written as that integer; others as solved
TRAINING = TRAINING_ROLE  # the allocation table's service_class for chips assigned to training


def _value(var) -> float:
    value = pyo.value(var, exception=False)
    return 0.0 if value is None else float(value)


def _chip_count(value: float) -> float:
    """Solver tolerance noise rounded away; a count that is really fractional is kept, for verify to see."""
    nearest = round(value)
    return float(nearest) if abs(value - nearest) <= INTEGRALITY_TOL else value


def _fleet(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    rows = [(s, k, _chip_count(_value(m.chips[s, k])), _value(m.chip_avg_kw[s, k])) for s, k in m.SITE_CHIPS]
    fleet = pd.DataFrame(rows, columns=["site", "chip", "chips", "avg_kw"]).astype({"chips": float})
    fleet = fleet[fleet["chips"] > 0].reset_index(drop=True)
    if (fleet["chips"] == fleet["chips"].round()).all():
        fleet["chips"] = fleet["chips"].astype("int64")  # integer counts, as the model promises
    fleet["it_mw"] = fleet["chips"] * fleet["chip"].map(inputs.chips["peak_kw"]).astype(float) / KW_PER_MW
    fleet["average_it_mw"] = fleet.pop("avg_kw") / KW_PER_MW
    return fleet


def _allocation(m: pyo.ConcreteModel) -> pd.DataFrame:
    rows = [(s, k, q, _value(m.chips_serving[s, k, q])) for s, k, q in m.CAPACITY]
    rows += [(s, k, TRAINING, _value(m.chips_training[s, k])) for s, k in m.TRAINING_CHIPS]
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


HALL_MIN_MW = 1e-6  # halls with less IT load are not written
LABEL_MIN_SHARE = 0.01  # the site's cooling label names halls with at least this share of its IT load


def _cooling_halls(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    """One row per (site, cooling) hall in use: its peak and average IT, PUE, peak facility draw, energy,
    water and yearly cooling plant cost."""
    rows = [(s, c, _value(m.it_cooled_mw[s, c]), _value(m.avg_it_cooled_mw[s, c])) for s, c in m.SITE_COOLING]
    halls = pd.DataFrame(rows, columns=["site", "cooling", "it_mw", "average_it_mw"]).astype(
        {"it_mw": float, "average_it_mw": float})
    halls = halls[halls["it_mw"] > HALL_MIN_MW].reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(halls[["site", "cooling"]])
    cooling = inputs.cooling.reindex(keys)
    halls["pue"] = cooling["pue"].to_numpy()
    halls["facility_peak_mw"] = halls["it_mw"] * halls["pue"]
    halls["energy_mwh_per_year"] = (halls["average_it_mw"] * halls["pue"]
                                    * halls["site"].map(inputs.sites["energy_mwh_per_mw_year"]).to_numpy())
    halls["water_m3_per_year"] = halls["average_it_mw"] * cooling["water_m3_per_mw_year"].to_numpy()
    halls["cooling_cost_usd_per_year"] = halls["it_mw"] * cooling["capex_usd_per_mw_year"].to_numpy()
    return halls


def _sites(m: pyo.ConcreteModel, inputs: ModelInputs, fleet: pd.DataFrame, serving: pd.DataFrame,
           halls: pd.DataFrame) -> pd.DataFrame:
    sites = inputs.sites[["lat", "lon", "max_grid_mw"]].copy()
    by_site = halls.groupby("site")
    sites["is_open"] = [_value(m.open_site[s]) > 0.5 for s in sites.index]
    share = halls["it_mw"] / halls.groupby("site")["it_mw"].transform("sum")
    named = halls[share >= LABEL_MIN_SHARE].sort_values("it_mw", ascending=False)  # solver noise halls unnamed
    main = named.groupby("site")["cooling"].apply("+".join)
    sites["cooling"] = main.reindex(sites.index).fillna("")
    sites["chips"] = fleet.groupby("site")["chips"].sum().reindex(sites.index, fill_value=0)
    sites["it_mw"] = fleet.groupby("site")["it_mw"].sum().reindex(sites.index, fill_value=0.0)
    sites["average_it_mw"] = fleet.groupby("site")["average_it_mw"].sum().reindex(sites.index, fill_value=0.0).astype(float)
    sites["grid_mw"] = [_value(m.grid_mw[s]) for s in sites.index]
    sites["energy_mwh_per_year"] = by_site["energy_mwh_per_year"].sum().reindex(sites.index, fill_value=0.0).astype(float)
    average_facility_mw = sites["energy_mwh_per_year"] / inputs.sites["energy_mwh_per_mw_year"]
    sites["pue"] = (average_facility_mw / sites["average_it_mw"]).where(sites["average_it_mw"] > 0)
    sites["emissions_t_per_year"] = sites["energy_mwh_per_year"] * inputs.sites["carbon_kg_per_mwh"] / KG_PER_T
    sites["water_m3_per_year"] = by_site["water_m3_per_year"].sum().reindex(sites.index, fill_value=0.0).astype(float)
    sites["served_tokens_per_s"] = serving.groupby("site")["tokens_per_s"].sum().reindex(sites.index, fill_value=0.0)
    if "cdd19_per_year" in inputs.sites:
        sites["cdd19_per_year"] = inputs.sites["cdd19_per_year"]
    if "climate_source" in inputs.sites:
        sites["climate_source"] = inputs.sites["climate_source"]
    return sites


def _grid_zones(m: pyo.ConcreteModel, inputs: ModelInputs, sites: pd.DataFrame) -> pd.DataFrame:
    grid = inputs.grid
    if grid is None:
        return pd.DataFrame(columns=["zone", "load_mw", "supply_mw", "headroom_mw"])
    load = sites["grid_mw"].groupby(grid.site_zone).sum()
    table = pd.DataFrame({"zone": grid.zone_headroom_mw.index,
                          "load_mw": load.reindex(grid.zone_headroom_mw.index, fill_value=0.0).to_numpy(),
                          "headroom_mw": grid.zone_headroom_mw.to_numpy()})
    supply = [_value(m.zone_supply_mw[z]) if hasattr(m, "zone_supply_mw") else load.get(z, 0.0) for z in table["zone"]]
    return table.assign(supply_mw=supply)[["zone", "load_mw", "supply_mw", "headroom_mw"]]


def _grid_lines(m: pyo.ConcreteModel, inputs: ModelInputs) -> pd.DataFrame:
    columns = ["line", "flow_mw", "limit_mw"]
    if hasattr(m, "new_flow_mw"):
        rows = [(l, pyo.value(m.new_flow_mw[l]), inputs.grid.line_headroom_mw[l]) for l in m.GRID_LINES]
    elif hasattr(m, "transfer_mw"):
        lines = inputs.grid.transfer_lines
        flows = {l: pyo.value(m.transfer_mw[l]) for l in m.TRANSFER_LINES}
        rows = [(l, flow, lines.at[l, "forward_mw" if flow >= 0 else "reverse_mw"]) for l, flow in flows.items()]
    else:
        return pd.DataFrame(columns=columns + ["loading_share", "rating_is_estimate"])
    table = pd.DataFrame(rows, columns=columns)
    table["loading_share"] = (table["flow_mw"].abs() / table["limit_mw"]).where(table["limit_mw"] > 0, 0.0)
    network = inputs.grid.network
    estimated = set(network.lines.index[network.lines["is_estimate"].astype(bool)]) if network is not None else set()
    table["rating_is_estimate"] = table["line"].isin(estimated)
    return table.sort_values("loading_share", ascending=False).reset_index(drop=True)


def _costs(m: pyo.ConcreteModel) -> pd.DataFrame:
    """One row per objective term: ``kind`` "cost" (money) or "penalty" (unmet demand, latency quality, training
    shortfall)."""
    rows = [(term.local_name.removesuffix("_cost_musd"), kind, pyo.value(term) * USD_SCALE)
            for kind, terms in (("cost", m.cost_terms), ("penalty", getattr(m, "penalty_terms", [])))
            for term in terms]
    return pd.DataFrame(rows, columns=["component", "kind", "usd_per_year"])


def _training_summary(m: pyo.ConcreteModel, inputs: ModelInputs) -> dict:
    if not hasattr(m, "training_requirement"):
        return {}
    site = next((s for s in m.SITES if _value(m.is_training_site[s]) > 0.5), None)
    return {"sustained_flops": inputs.training.sustained_flops,
            "provided_flops": sum(_value(m.site_training_eflops[s]) for s in m.SITES) * FLOPS_SCALE,
            "time_shared_flops": _value(m.time_shared_eflops) * FLOPS_SCALE,
            "unmet_flops": _value(m.unmet_training_eflops) * FLOPS_SCALE,
            "largest_run_flops": inputs.training.largest_run_flops, "largest_run_site": site,
            "largest_run_shortfall_flops": _value(m.run_shortfall_eflops) * FLOPS_SCALE}


def _n_minus_1_summary(m: pyo.ConcreteModel, inputs: ModelInputs) -> dict:
    """The N-1 shares and the spare chips standing for each class."""
    spare = [{"site": s, "chip": k, "service_class": q, "chips": _value(m.chips_spare[s, k, q])}
             for s, k, q in m.SPARE if _value(m.chips_spare[s, k, q]) > 1e-9]
    shares = inputs.n_minus_1_share
    return {"share": {str(q): float(v) for q, v in shares.items() if v > 0}, "spare_chips": spare}


def _empty_plan_tables() -> dict[str, pd.DataFrame]:
    return {
        "sites": pd.DataFrame(columns=["is_open", "cooling", "chips", "it_mw", "average_it_mw", "grid_mw",
                                       "max_grid_mw", "pue", "served_tokens_per_s"], index=pd.Index([], name="site")),
        "cooling_halls": pd.DataFrame(columns=["site", "cooling", "it_mw", "average_it_mw", "pue", "facility_peak_mw",
                                               "energy_mwh_per_year", "water_m3_per_year", "cooling_cost_usd_per_year"]),
        "grid_zones": pd.DataFrame(columns=["zone", "load_mw", "supply_mw", "headroom_mw"]),
        "grid_lines": pd.DataFrame(columns=["line", "flow_mw", "limit_mw", "loading_share", "rating_is_estimate"]),
        "fleet": pd.DataFrame(columns=["site", "chip", "chips", "it_mw", "average_it_mw"]),
        "allocation": pd.DataFrame(columns=["site", "chip", "service_class", "chips_serving"]),
        "serving": pd.DataFrame(columns=["region", "service_class", "site", "tokens_per_s", "rtt_ms"]),
        "unmet": pd.DataFrame(columns=["region", "service_class", "demand_tokens_per_s", "unmet_tokens_per_s"]),
        "costs": pd.DataFrame(columns=["component", "kind", "usd_per_year"]),
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
    fleet, serving, halls = _fleet(m, inputs), _serving(m, inputs), _cooling_halls(m, inputs)
    sites = _sites(m, inputs, fleet, serving, halls)
    training = _training_summary(m, inputs)
    if training:
        common["metadata"]["training"] = training
    if hasattr(m, "chips_spare"):
        common["metadata"]["n_minus_1"] = _n_minus_1_summary(m, inputs)
    return Plan(**common, sites=sites, fleet=fleet, allocation=_allocation(m), serving=serving,
                unmet=_unmet(m, inputs), costs=_costs(m), cooling_halls=halls, grid_zones=_grid_zones(m, inputs, sites),
                grid_lines=_grid_lines(m, inputs))
