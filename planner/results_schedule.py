"""Human-readable views of a build-out plan over several planning years: what to buy and build when."""

from __future__ import annotations

import html
import math

import pandas as pd

from planner.roofline.search import MAX_REPLICA_CHIPS

SHOWN_MIN_MW = 0.05  # halls smaller than this are solver noise in a summary (the builds table has them all)


def _money(usd: float | None) -> str:
    if usd is None or not math.isfinite(usd):
        return "n/a"
    return f"{usd / 1e9:,.3f} bn USD" if abs(usd) >= 1e9 else f"{usd / 1e6:,.1f} M USD"


def schedule_headline(plan) -> list[tuple[str, str]]:
    meta = plan.metadata
    years = plan.planning_years
    money, penalty = meta.get("present_value_cost_usd"), None
    if money is not None and math.isfinite(plan.objective_usd):
        penalty = plan.objective_usd - money
    return [
        ("scenario", plan.scenario_name),
        ("planning years", ", ".join(map(str, years)) + f" (horizon {years[0]}-{years[-1]})"),
        ("solver status", f"{plan.status} (gap {plan.gap:.2%})" if math.isfinite(plan.gap) else str(plan.status)),
        ("present value", f"{_money(plan.objective_usd)} = money {_money(money)} + penalties {_money(penalty)}, "
                          f"at {years[0]}, {meta.get('discount_rate', math.nan):.1%}/year"),
        ("proven lower bound", _money(plan.bound_usd)),
        *_overtake_line(meta),
        *_unservable_line(meta),
    ]


def _unservable_line(meta: dict) -> list[tuple[str, str]]:
    """The years in which no chip on offer can serve a class (the grown models outgrow every replica)."""
    unservable = {year: classes for year, classes in meta.get("unservable_classes_by_year", {}).items() if classes}
    if not unservable:
        return []
    text = "; ".join(f"{year}: {', '.join(classes)}" for year, classes in sorted(unservable.items()))
    return [("no chip can serve", f"{text} (within the classes' latency limits on any replica of <= {MAX_REPLICA_CHIPS} chips)")]


def _overtake_line(meta: dict) -> list[tuple[str, str]]:
    if "compute_by_year" not in meta:
        return []
    year = meta.get("inference_overtakes_training_year")
    text = "not within the horizon" if year is None else str(year)
    return [("inference >= training", f"{text} (compute of the chips in each role, at their training FLOP/s)")]


def schedule_table(plan) -> pd.DataFrame:
    """One row per planning year: yearly money and penalties, sites open, chips bought, retired and in
    service, halls built and standing, grid connections, demand, compute by role, the served models' growth
    and the software speed-up, and unmet."""
    years = plan.planning_years
    meta = plan.metadata
    sites = plan.sites.reset_index()
    rows = []
    for year in years:
        at = sites[sites["year"] == year]
        unmet = plan.unmet[plan.unmet["year"] == year]
        demand = float(unmet["demand_tokens_per_s"].sum())
        builds = plan.builds[plan.builds["year"] == year]
        rows.append({
            "year": year,
            "money M USD/yr": _round_m(meta.get("cost_usd_by_year", {}).get(str(year))),
            "penalties M USD/yr": _round_m(meta.get("penalty_usd_by_year", {}).get(str(year))),
            "sites open": int(at["is_open"].astype(bool).sum()),
            "chips bought": int(plan.purchases.loc[plan.purchases["year"] == year, "count"].sum()),
            "chips retired": int(plan.retirements.loc[plan.retirements["year"] == year, "count"].sum()),
            "chips in service": int(plan.fleet.loc[plan.fleet["year"] == year, "chips"].sum()),
            "halls built MW": round(float(builds["mw"].sum()), 1),
            "halls standing MW": round(float(builds["total_mw"].sum()), 1),
            "grid MW": round(float(at["grid_mw"].sum()), 1),
            "demand M tok/s": round(demand / 1e6, 2),
            **_compute_columns(meta, year),
            **_growth_columns(meta, year),
            "unmet": f"{float(unmet['unmet_tokens_per_s'].sum()) / demand:.1%}" if demand > 0 else "n/a",
        })
    return pd.DataFrame(rows).set_index("year")


def _compute_columns(meta: dict, year: int) -> dict:
    compute = meta.get("compute_by_year", {}).get(str(year))
    if not compute:
        return {}
    return {"inference EFLOP/s": round(compute["inference_flops"] / 1e18, 2),
            "training EFLOP/s": round(compute["training_flops"] / 1e18, 2)}


def _growth_columns(meta: dict, year: int) -> dict:
    """The served models' per-token compute and the software speed-up of the year, per unit of the first's."""
    growth = meta.get("model_growth_by_year", {}).get(str(year))
    if not growth:
        return {}
    return {"model compute x": round(growth["compute_factor"], 2), "software x": round(growth["software_speedup"], 2)}


def _round_m(usd: float | None) -> float:
    return math.nan if usd is None else round(usd / 1e6, 1)


def purchases_view(plan) -> pd.DataFrame:
    """Chips bought: chip x year."""
    if plan.purchases.empty:
        return pd.DataFrame()
    return plan.purchases.pivot_table(index="chip", columns="year", values="count", aggfunc="sum", fill_value=0)


def builds_view(plan) -> pd.DataFrame:
    """IT MW of halls built: (site, cooling) x year."""
    if plan.builds.empty:
        return pd.DataFrame()
    view = plan.builds.pivot_table(index=["site", "cooling"], columns="year", values="mw", aggfunc="sum",
                                   fill_value=0.0)
    return view[view.max(axis=1) >= SHOWN_MIN_MW].round(1)


def schedule_summary_text(plan) -> str:
    lines = [f"{label:>20}: {value}" for label, value in schedule_headline(plan)]
    if plan.has_solution:
        lines += ["", "Schedule:", schedule_table(plan).to_string(), "", "Chips bought (chip x year):",
                  purchases_view(plan).to_string(), "", "Halls built, IT MW (site, cooling x year):",
                  builds_view(plan).to_string()]
    if plan.timings_s:
        lines += ["", "Time per stage (s): " + ", ".join(f"{k} {v:.2f}" for k, v in plan.timings_s.items())]
    return "\n".join(lines)


def schedule_summary_html(plan) -> str:
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in schedule_headline(plan))
    parts = [f"<div><h4>Build-out: {html.escape(plan.scenario_name)}</h4><table>{rows}</table>"]
    if plan.has_solution:
        parts += ["<h5>Schedule</h5>", schedule_table(plan).to_html(), "<h5>Chips bought</h5>",
                  purchases_view(plan).to_html(), "<h5>Halls built (IT MW)</h5>", builds_view(plan).to_html()]
    return "".join(parts) + "</div>"
