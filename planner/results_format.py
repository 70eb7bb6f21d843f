"""Human-readable views of a ``Plan``: the CLI summary (rich tables on a terminal, plain text elsewhere) and
the notebook HTML repr. Display units live here only.

The summary is a headline (label: value lines) followed by sections. Each section is one function
``plan -> Section | None`` listed in ``SECTIONS``; a stage that adds figures adds a function there (or headline
lines to ``HEADLINE_PARTS``), and every renderer (plain, rich, HTML) picks it up. Cells are display strings:
shares as percentages, chip counts as integers, money in M or bn USD."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from planner.economics.summary import economics_lines


@dataclass(frozen=True)
class Section:
    title: str
    table: pd.DataFrame | None
    """Display strings; a named index is shown as the first column. None for a section of text lines."""
    note: str = ""
    """Text under the table (e.g. how many rows plan.json has beyond those shown), or the text section's lines."""


# -- formatting -----------------------------------------------------------------------------------------------

def _money(usd: float) -> str:
    if not math.isfinite(usd):
        return "n/a"
    return f"{usd / 1e9:,.3f} bn USD" if abs(usd) >= 1e9 else f"{usd / 1e6:,.1f} M USD"


def _share(value: float, digits: int = 1) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}%}"


def _count(value: float) -> str:
    """Chip counts are integers in the MIP; round (not truncate) what the solver returns as a float."""
    return "n/a" if not math.isfinite(value) else f"{int(round(value)):,}"


def _number(value: float, digits: int = 1) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:,.{digits}f}"


def _column(values, formatter: Callable, *args) -> list[str]:
    return [formatter(float(v), *args) for v in values]


# -- headline ----------------------------------------------------------------------------------------------------

def _status_lines(plan) -> list[tuple[str, str]]:
    status = f"{plan.status} (gap {plan.gap:.2%})" if math.isfinite(plan.gap) else str(plan.status)
    return [("scenario", plan.scenario_name), ("solver status", status)]


def _cost_lines(plan) -> list[tuple[str, str]]:
    return [("yearly cost", f"{_money(plan.objective_usd)} = money {_money(plan.cost_usd_per_year)} "
                            f"+ penalties {_money(plan.penalty_usd_per_year)}"),
            ("proven lower bound", _money(plan.bound_usd))]


def _site_lines(plan) -> list[tuple[str, str]]:
    sites = plan.sites
    if not len(sites):
        return [("sites opened", "0 of 0"), ("IT peak / grid", "n/a"), ("energy", "n/a")]
    opened = sites[sites["is_open"]]
    energy = (f"{sites['energy_mwh_per_year'].sum() / 1e6:,.2f} TWh/year" if "energy_mwh_per_year" in sites
              else "n/a")
    return [("sites opened", f"{len(opened)} of {len(sites)}"),
            ("IT peak / grid", f"{sites['it_mw'].sum():,.1f} MW / {sites['grid_mw'].sum():,.1f} MW"),
            ("energy", energy)]


def _demand_lines(plan) -> list[tuple[str, str]]:
    unmet_share = plan.unmet_tokens_per_s / plan.demand_tokens_per_s if plan.demand_tokens_per_s else math.nan
    lost = plan.metadata.get("tokens_lost_share")
    lost_text = f" of the peak; {_share(lost)} of the year's tokens lost" if lost is not None else ""
    unmet = (f"{plan.unmet_tokens_per_s / 1e6:,.3f} M tokens/s ({_share(unmet_share)}{lost_text})"
             if math.isfinite(unmet_share) else "n/a")
    return [("demand (peak)", f"{plan.demand_tokens_per_s / 1e6:,.2f} M tokens/s"), ("unmet demand", unmet)]


def _training_lines(plan) -> list[tuple[str, str]]:
    training = plan.metadata.get("training")
    if not training:
        return []
    shared = training.get("time_shared_flops", 0.0)
    used = min(shared, max(training["sustained_flops"] - training["provided_flops"] - training["unmet_flops"], 0.0))
    shared_text = (f" + {used / 1e18:,.2f} time-shared off-peak (of {shared / 1e18:,.2f} idle)" if shared > 0
                   else "")
    return [("training", f"{training['provided_flops'] / 1e18:,.2f} EFLOP/s provided{shared_text} for "
             f"{training['sustained_flops'] / 1e18:,.2f} sustained (unmet {training['unmet_flops'] / 1e18:,.2f}); "
             f"largest run {training['largest_run_flops'] / 1e18:,.2f} at {training['largest_run_site']} "
             f"(shortfall {training['largest_run_shortfall_flops'] / 1e18:,.2f})")]


def _grid_lines(plan) -> list[tuple[str, str]]:
    if plan.grid_lines.empty:
        return []
    top = plan.grid_lines.iloc[0]
    estimated = " (rating estimated, not a TSO figure)" if bool(top.get("rating_is_estimate", False)) else ""
    return [("most loaded grid line", f"{top['line']}: {_share(float(top['loading_share']), 0)} of its headroom "
             f"({abs(top['flow_mw']):,.0f} of {top['limit_mw']:,.0f} MW){estimated}")]


def _policy_lines(plan) -> list[tuple[str, str]]:
    policy = plan.metadata.get("policy")
    if not policy:
        return [("export rules", "n/a")]
    cap = policy.get("tpp_cap")
    cap_text = f"national cap {cap / 1e6:,.0f}M TPP" if cap is not None else "no national TPP cap"
    tier = f", tier {policy['tier']}" if policy.get("tier") else ""
    return [("export rules", f"pack '{policy['pack']}' in force on {policy['date']}{tier}, {cap_text}")]


HEADLINE_PARTS: list[Callable] = [_status_lines, _cost_lines, _site_lines, _demand_lines, _training_lines,
                                  _grid_lines, _policy_lines]


def _headline(plan) -> list[tuple[str, str]]:
    return [line for part in HEADLINE_PARTS for line in part(plan)]


# -- sections ----------------------------------------------------------------------------------------------------

def _sites_section(plan) -> Section | None:
    opened = plan.sites[plan.sites["is_open"]] if len(plan.sites) else plan.sites
    if opened.empty:
        return None
    average = opened["average_it_mw"] if "average_it_mw" in opened else pd.Series(math.nan, index=opened.index)
    table = pd.DataFrame({
        "cooling": opened["cooling"].astype(str),
        "PUE": _column(opened["pue"], _number, 2),
        "chips": _column(opened["chips"], _count),
        "IT MW": _column(opened["it_mw"], _number),
        "avg IT MW": _column(average, _number),
        "grid MW": _column(opened["grid_mw"], _number),
        "limit MW": _column(opened["max_grid_mw"], _number),
        "served M tokens/s": _column(opened["served_tokens_per_s"] / 1e6, _number, 2),
    }, index=opened.index.rename("site"))
    return Section("Sites opened", table)


def _halls_section(plan) -> Section | None:
    halls = plan.cooling_halls
    # the LP may leave a few kW of solver slack in an unused hall; show the halls that carry load
    halls = halls[halls["it_mw"] >= 0.05] if not halls.empty else halls
    if halls.empty:
        return None
    table = pd.DataFrame({"site": halls["site"].astype(str), "cooling": halls["cooling"].astype(str),
                          "PUE": _column(halls["pue"], _number, 3), "IT MW": _column(halls["it_mw"], _number),
                          "avg IT MW": _column(halls["average_it_mw"], _number),
                          "cooling M USD/year": _column(halls["cooling_cost_usd_per_year"] / 1e6, _number, 2)})
    return Section("Cooling halls", table.set_index(["site", "cooling"]))


def _chips_section(plan) -> Section | None:
    chips = plan.chips_by_type()
    if chips.empty:
        return None
    total = float(chips.sum())
    table = pd.DataFrame({"chips": _column(chips, _count),
                          "share": _column(chips / total if total else chips * math.nan, _share)},
                         index=chips.index.rename("chip"))
    return Section("Chips by type", table)


def _costs_section(plan) -> Section | None:
    table = plan.costs.set_index("component")
    if table.empty:
        return None
    costs = table["usd_per_year"].astype(float)
    total = float(costs.sum())
    view = pd.DataFrame({"M USD/year": _column(costs / 1e6, _number, 2),
                         "share": _column(costs / total if total else costs * math.nan, _share)}, index=costs.index)
    if "kind" in table:
        view.insert(0, "kind", table["kind"].astype(str))
    return Section("Cost breakdown", view)


def _economics_section(plan) -> Section | None:
    """Cost per token, energy and compute balance (the economics stage's block of lines)."""
    lines = [line for line in economics_lines(plan) if line]
    if not lines:
        return None
    return Section(lines[0].rstrip(":"), None, "\n".join(lines[1:]))


REASONS_SHOWN = 8  # region-classes listed in the summary; plan.json has them all


def _unmet_reasons_section(plan) -> Section | None:
    """Why demand is unmet, largest first, from the explain stage."""
    reasons = sorted(plan.metadata.get("unmet_reasons") or [], key=lambda r: -r["tokens_per_s"])
    if not reasons:
        return None
    shown = reasons[:REASONS_SHOWN]
    table = pd.DataFrame({"region": [r["region"] for r in shown], "class": [r["service_class"] for r in shown],
                          "M tokens/s": [_number(r["tokens_per_s"] / 1e6, 3) for r in shown],
                          "reason": [r["reason"] for r in shown], "limit": [r["constraint"] for r in shown]})
    more = len(reasons) - REASONS_SHOWN
    return Section("Why demand is unmet", table, f"... {more} more in plan.json (unmet_reasons)" if more > 0 else "")


def _binding_section(plan) -> Section | None:
    binding = plan.metadata.get("binding_constraints") or []
    if not binding:
        return None

    def value(b: dict) -> str:
        v = b.get("value")
        return f"{v:,.4g} USD/year per {b['unit']}" if v is not None and math.isfinite(v) else "n/a"

    table = pd.DataFrame({"limit": [b["component"] for b in binding],
                          "at": [f"{b['limit']:,.6g} {b['unit']}" for b in binding],
                          "slack": [f"{b['slack']:,.3g}" for b in binding],
                          "value": [value(b) for b in binding]})
    return Section("Binding limits (value = fall in yearly cost per unit relaxed)", table)


SECTIONS: list[Callable] = [_sites_section, _halls_section, _chips_section, _costs_section, _economics_section,
                            _unmet_reasons_section, _binding_section]


def summary_sections(plan) -> list[Section]:
    if not plan.has_solution:
        return []
    return [section for make in SECTIONS if (section := make(plan)) is not None]


def _timings_line(plan) -> str:
    if not plan.timings_s:
        return ""
    return "Time per stage (s): " + ", ".join(f"{k} {v:.2f}" for k, v in plan.timings_s.items())


# -- renderers ---------------------------------------------------------------------------------------------------

def _plain_table(table: pd.DataFrame) -> str:
    """Aligned columns for pipes and files: numbers right-aligned, one header line, no box characters."""
    shown = table.reset_index() if _has_named_index(table) else table
    return shown.to_string(index=False)


def _has_named_index(table: pd.DataFrame) -> bool:
    return any(name is not None for name in table.index.names)


def summary_text(plan) -> str:
    if plan.planning_years is not None:
        from planner.results_schedule import schedule_summary_text

        return schedule_summary_text(plan)
    lines = [f"{label:>20}: {value}" for label, value in _headline(plan)]
    for section in summary_sections(plan):
        lines += ["", f"{section.title}:"] + ([] if section.table is None else [_plain_table(section.table)])
        if section.note:
            lines.append(section.note)
    if timings := _timings_line(plan):
        lines += ["", timings]
    return "\n".join(lines)


def rich_table(section: Section):
    from rich.table import Table

    shown = section.table.reset_index() if _has_named_index(section.table) else section.table
    table = Table(title=section.title, title_justify="left", title_style="bold", caption=section.note or None,
                  caption_justify="left")
    for name in shown.columns:
        numeric = shown[name].map(_looks_numeric).all()
        table.add_column(str(name), justify="right" if numeric else "left", overflow="fold")
    for row in shown.itertuples(index=False):
        table.add_row(*(str(cell) for cell in row))
    return table


def _looks_numeric(cell) -> bool:
    text = str(cell).replace(",", "").rstrip("%")
    try:
        float(text)
    except ValueError:
        return text == "n/a"
    return True


def print_summary(plan, console) -> None:
    """The summary as rich tables on ``console`` (the CLI uses this on a terminal, ``summary_text`` elsewhere)."""
    from rich.table import Table

    if plan.planning_years is not None:  # the build-out schedule has its own summary
        console.print(summary_text(plan), highlight=False, markup=False)
        return

    headline = Table.grid(padding=(0, 2))
    headline.add_column(justify="right", style="bold")
    headline.add_column()
    for label, value in _headline(plan):
        headline.add_row(f"{label}:", value)
    console.print(headline)
    for section in summary_sections(plan):
        console.print()
        if section.table is None:
            console.print(f"[bold]{section.title}[/bold]")
            console.print(section.note, highlight=False, markup=False)
        else:
            console.print(rich_table(section))
    if timings := _timings_line(plan):
        console.print()
        console.print(timings, highlight=False)


def summary_html(plan) -> str:
    if plan.planning_years is not None:
        from planner.results_schedule import schedule_summary_html

        return schedule_summary_html(plan)
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in _headline(plan))
    parts = [f"<div><h4>Plan: {html.escape(plan.scenario_name)}</h4><table>{rows}</table>"]
    for section in summary_sections(plan):
        parts.append(f"<h5>{html.escape(section.title)}</h5>")
        if section.table is not None:
            parts.append(section.table.to_html())
        if section.note:
            parts.append(f"<pre>{html.escape(section.note)}</pre>" if section.table is None
                         else f"<p>{html.escape(section.note)}</p>")
    return "".join(parts) + "</div>"
