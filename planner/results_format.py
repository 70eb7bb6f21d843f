"""Human-readable views of a ``Plan``: the CLI summary and the notebook HTML repr (display units here)."""

from __future__ import annotations

import html
import math

import pandas as pd

from planner.economics.summary import economics_lines


def _money(usd: float) -> str:
    if not math.isfinite(usd):
        return "n/a"
    return f"{usd / 1e9:,.3f} bn USD" if abs(usd) >= 1e9 else f"{usd / 1e6:,.1f} M USD"


def _headline(plan) -> list[tuple[str, str]]:
    open_sites = plan.sites[plan.sites["is_open"]] if len(plan.sites) else plan.sites
    unmet_share = plan.unmet_tokens_per_s / plan.demand_tokens_per_s if plan.demand_tokens_per_s else math.nan
    return [
        ("scenario", plan.scenario_name),
        ("solver status", f"{plan.status} (gap {plan.gap:.2%})" if math.isfinite(plan.gap) else str(plan.status)),
        ("yearly cost", f"{_money(plan.objective_usd)} = money {_money(plan.cost_usd_per_year)} "
                        f"+ penalties {_money(plan.penalty_usd_per_year)}"),
        ("proven lower bound", _money(plan.bound_usd)),
        ("sites opened", f"{len(open_sites)} of {len(plan.sites)}"),
        ("IT peak / grid", f"{plan.sites['it_mw'].sum():,.1f} MW / {plan.sites['grid_mw'].sum():,.1f} MW"
         if len(plan.sites) else "n/a"),
        ("energy", f"{plan.sites['energy_mwh_per_year'].sum() / 1e6:,.2f} TWh/year"
         if "energy_mwh_per_year" in plan.sites else "n/a"),
        ("demand (peak)", f"{plan.demand_tokens_per_s / 1e6:,.2f} M tokens/s"),
        ("unmet demand", f"{plan.unmet_tokens_per_s / 1e6:,.3f} M tokens/s ({unmet_share:.1%})"
         if math.isfinite(unmet_share) else "n/a"),
        *_training_headline(plan),
        *_grid_headline(plan),
        ("export rules", _policy_line(plan.metadata.get("policy"))),
    ]


def _training_headline(plan) -> list[tuple[str, str]]:
    training = plan.metadata.get("training")
    if not training:
        return []
    return [("training", f"{training['provided_flops'] / 1e18:,.2f} EFLOP/s provided for "
             f"{training['sustained_flops'] / 1e18:,.2f} sustained (unmet {training['unmet_flops'] / 1e18:,.2f}); "
             f"largest run {training['largest_run_flops'] / 1e18:,.2f} at {training['largest_run_site']} "
             f"(shortfall {training['largest_run_shortfall_flops'] / 1e18:,.2f})")]


def _policy_line(policy: dict | None) -> str:
    if not policy:
        return "n/a"
    cap = policy.get("tpp_cap")
    cap_text = f"national cap {cap / 1e6:,.0f}M TPP" if cap is not None else "no national TPP cap"
    tier = f", tier {policy['tier']}" if policy.get("tier") else ""
    return f"pack '{policy['pack']}' in force on {policy['date']}{tier}, {cap_text}"


def _grid_headline(plan) -> list[tuple[str, str]]:
    if plan.grid_lines.empty:
        return []
    top = plan.grid_lines.iloc[0]
    estimated = " (rating estimated, not a TSO figure)" if bool(top.get("rating_is_estimate", False)) else ""
    return [("most loaded grid line", f"{top['line']}: {top['loading_share']:.0%} of its headroom "
             f"({abs(top['flow_mw']):,.0f} of {top['limit_mw']:,.0f} MW){estimated}")]


def _sites_view(plan) -> pd.DataFrame:
    opened = plan.sites[plan.sites["is_open"]] if len(plan.sites) else plan.sites
    return pd.DataFrame({
        "cooling": opened["cooling"],
        "PUE": opened["pue"].round(2),
        "chips": opened["chips"].astype(int),
        "IT MW": opened["it_mw"].round(1),
        "avg IT MW": opened["average_it_mw"].round(1) if "average_it_mw" in opened else math.nan,
        "grid MW": opened["grid_mw"].round(1),
        "limit MW": opened["max_grid_mw"].round(1),
        "served M tokens/s": (opened["served_tokens_per_s"] / 1e6).round(2),
    })


def _costs_view(plan) -> pd.DataFrame:
    table = plan.costs.set_index("component")
    costs = table["usd_per_year"]
    view = pd.DataFrame({"M USD/year": (costs / 1e6).round(2), "share": (costs / costs.sum()).round(3)})
    if "kind" in table:
        view.insert(0, "kind", table["kind"])
    return view


def _halls_view(plan) -> pd.DataFrame:
    halls = plan.cooling_halls
    return pd.DataFrame({"site": halls["site"], "cooling": halls["cooling"], "PUE": halls["pue"].round(3),
                         "IT MW": halls["it_mw"].round(1), "avg IT MW": halls["average_it_mw"].round(1),
                         "cooling M USD/year": (halls["cooling_cost_usd_per_year"] / 1e6).round(2)}).set_index(["site", "cooling"])


REASONS_SHOWN = 8  # region-classes listed in the summary; plan.json has them all


def _explain_lines(plan) -> list[str]:
    """Why demand is unmet (largest first) and the binding limits with their values, from the explain stage."""
    lines = []
    reasons = sorted(plan.metadata.get("unmet_reasons") or [], key=lambda r: -r["tokens_per_s"])
    if reasons:
        lines += ["", "Why demand is unmet:"]
        lines += [f"  {r['region']} / {r['service_class']}: {r['tokens_per_s'] / 1e6:,.3f} M tokens/s: {r['reason']} "
                  f"({r['constraint']})" for r in reasons[:REASONS_SHOWN]]
        if len(reasons) > REASONS_SHOWN:
            lines.append(f"  ... {len(reasons) - REASONS_SHOWN} more in plan.json (unmet_reasons)")
    binding = plan.metadata.get("binding_constraints") or []
    if binding:
        lines += ["", "Binding limits (slack; value = fall in yearly cost per unit relaxed):"]
        for b in binding:
            value = b.get("value")
            shown = f"{value:,.4g} USD/year per {b['unit']}" if value is not None and math.isfinite(value) else "n/a"
            lines.append(f"  {b['component']}: limit {b['limit']:,.6g} {b['unit']}, slack {b['slack']:,.3g}; value {shown}")
    return lines


def summary_text(plan) -> str:
    if plan.planning_years is not None:
        from planner.results_schedule import schedule_summary_text

        return schedule_summary_text(plan)
    lines = [f"{label:>20}: {value}" for label, value in _headline(plan)]
    if plan.has_solution:
        lines += ["", "Sites opened:", _sites_view(plan).to_string(), "", "Cooling halls:", _halls_view(plan).to_string(),
                  "", "Chips by type:",
                  plan.chips_by_type().astype(int).to_string(), "", "Cost breakdown:", _costs_view(plan).to_string()]
        lines += economics_lines(plan)
        lines += _explain_lines(plan)
    if plan.timings_s:
        lines += ["", "Time per stage (s): " + ", ".join(f"{k} {v:.2f}" for k, v in plan.timings_s.items())]
    return "\n".join(lines)


def summary_html(plan) -> str:
    if plan.planning_years is not None:
        from planner.results_schedule import schedule_summary_html

        return schedule_summary_html(plan)
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in _headline(plan))
    parts = [f"<div><h4>Plan: {html.escape(plan.scenario_name)}</h4><table>{rows}</table>"]
    if plan.has_solution:
        parts += ["<h5>Sites opened</h5>", _sites_view(plan).to_html(),
                  "<h5>Cooling halls</h5>", _halls_view(plan).to_html(),
                  "<h5>Chips by type</h5>", plan.chips_by_type().to_frame().to_html(),
                  "<h5>Costs</h5>", _costs_view(plan).to_html()]
    return "".join(parts) + "</div>"
