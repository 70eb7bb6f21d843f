"""Assemble the siting report of a plan: summary, map, tables, charts, optional sections, appendix; render
it to one self-contained HTML file (inline CSS, images as data URIs, nothing fetched at open time)."""

from __future__ import annotations

import base64
import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from planner.report import figures, summary, tables, units
from planner.report.assumptions import scenario_values
from planner.report.national_map import grid_segments, national_map
from planner.report.scenario_source import ScenarioSource, rebuild, scenario_for_plan
from planner.report.sources import data_sources


@dataclass
class Report:
    """The report's content; ``html`` is the rendered document, ``images`` the charts as data URIs."""

    context: dict
    images: dict[str, str] = field(default_factory=dict)
    html: str = ""

    def png(self, name: str) -> bytes:
        """The PNG bytes of one chart (``map``, ``costs``, ``capacity``, ``training``, ``policy``, ``latency``)."""
        return base64.b64decode(self.images[name].split(",", 1)[1])


def _country_name(iso3: str) -> str:
    from planner.geo.population import countries

    table = countries()
    return str(table.at[iso3, "name"]) if iso3 in table.index else iso3


def _regions(plan, scenario) -> pd.DataFrame | None:
    """Region coordinates: from the plan (``regions`` metadata) or, for older plans, re-derived from the scenario."""
    stored = plan.metadata.get("regions")
    if isinstance(stored, list) and stored:
        table = pd.DataFrame(stored)
        if {"region", "lat", "lon"} <= set(table.columns):
            return table.set_index("region")
    if scenario is not None:
        from planner.geo.regions import regions_for

        return regions_for(scenario)
    return None


def _budgets(scenario) -> dict[str, float]:
    if scenario is None:
        return {}
    return {str(q): float(cfg.rtt_budget_ms) for q, cfg in scenario.service_classes.items()}


def _grid(plan, scenario):
    network = scenario.grid.network if scenario is not None and scenario.grid is not None else None
    return grid_segments(network, plan.grid_lines)


def _figures(plan, scenario, regions, grid, iso3: str, title: str, chip_colours: dict[str, str]) -> dict[str, object]:
    made: dict[str, object] = {}
    if not plan.has_solution:
        return made
    demand = plan.unmet.groupby("region")["demand_tokens_per_s"].sum() if len(plan.unmet) else pd.Series(dtype=float)
    made["map"] = national_map(country_iso3=iso3, title=title, regions=regions, demand=demand, sites=plan.sites,
                               fleet=plan.fleet, serving=plan.serving, colours=chip_colours, grid=grid)
    made["costs"] = figures.cost_breakdown(plan.costs, tables.PENALTY_COMPONENTS)
    if len(plan.allocation):
        made["capacity"] = figures.capacity_by_chip_and_class(plan.allocation, chip_colours)
        made["training"] = figures.training_vs_inference(plan.allocation, plan.fleet)
    mix = _chip_mix(plan)
    if mix is not None:
        made["policy"] = figures.policy_exposure(mix, (plan.metadata.get("policy") or {}).get("tpp_cap"))
    if len(plan.serving):
        made["latency"] = figures.latency_distribution(plan.serving, _budgets(scenario))
    return made


def _chip_mix(plan) -> pd.DataFrame | None:
    chip_policy = plan.metadata.get("chip_policy")
    chips = plan.chips_by_type()
    if not chip_policy or chips.empty:
        return None
    rows = []
    for chip, n in chips.items():
        info = chip_policy.get(str(chip)) or {}
        label = "not controlled" if info.get("is_uncontrolled") else {
            "licensed_cap": "licensed, under the cap", "licensed_premium": "licensed at a premium"}.get(
            info.get("status", ""), "controlled, no licence needed")
        rows.append({"chip": chip, "chips": float(n), "tpp": float(info.get("tpp", math.nan)), "status": label})
    return pd.DataFrame(rows)


def _key_figures(plan) -> list[tuple[str, str]]:
    money, penalty = summary.money_and_penalties(plan)
    opened = tables.open_sites(plan.sites)
    demand, unmet = plan.demand_tokens_per_s, plan.unmet_tokens_per_s
    served = 1 - unmet / demand if math.isfinite(demand) and demand > 0 else math.nan
    return [("total yearly cost", units.money(plan.objective_usd, per_year=True)),
            ("money", units.money(money, per_year=True)), ("penalties (not cash)", units.money(penalty, per_year=True)),
            ("sites opened", f"{len(opened)} of {len(plan.sites)}"),
            ("IT load", units.power_mw(opened["it_mw"].sum() if len(opened) else math.nan)),
            ("grid connection", units.power_mw(opened["grid_mw"].sum() if len(opened) else math.nan)),
            ("accelerators", units.count(plan.chips_by_type().sum() if len(plan.fleet) else math.nan)),
            ("peak demand served", units.share(served))]


def _optional_sections(plan) -> list[dict]:
    """Sections that appear only when the plan carries their data (multi-year, explanation, economics)."""
    meta, out = plan.metadata, []
    years = meta.get("cost_usd_by_year")
    schedule_tables = [tables.records_table(f"{name.capitalize()} by year", _table_records(plan, name))
                       for name in ("builds", "purchases", "retirements") if _table_records(plan, name)]
    if isinstance(years, dict) and years or schedule_tables:
        text = ""
        if isinstance(meta.get("present_value_usd"), (int, float)):
            text = f"Present value of the programme: {units.money(meta['present_value_usd'])}."
        section = {"id": "schedule", "title": "Build schedule by year", "text": text, "tables": schedule_tables,
                   "images": []}
        if isinstance(years, dict) and years:
            section["images"].append(figures.to_data_uri(figures.yearly_series(years, "M USD", "Cost by year")))
        out.append(section)
    for key, title, note in (
            ("binding_constraints", "Binding constraints", "Limits the plan runs into, with their slack."),
            ("marginal_values", "Marginal values of the limits",
             "The fall in yearly cost per unit of relaxation of each limit (from the LP at fixed integer decisions)."),
            ("alternatives", "Near-optimal alternatives",
             "Plans within the cost slack that differ most from this one.")):
        if meta.get(key):
            out.append({"id": key, "title": title, "text": note, "tables": [tables.records_table(title, meta[key])],
                        "images": []})
    out += _cost_per_token_section(meta)
    return out


def _table_records(plan, name: str) -> list[dict]:
    table = getattr(plan, name, None)
    if isinstance(table, pd.DataFrame) and len(table):
        return table.to_dict("records")
    value = plan.metadata.get(name)
    return value if isinstance(value, list) else []


def _cost_per_token_section(meta: dict) -> list[dict]:
    cost = meta.get("cost_per_million_tokens_usd")
    if not isinstance(cost, dict) or not cost:
        return []
    lines = []
    if isinstance(cost.get("national"), (int, float)):
        lines.append(f"National average: {units.usd_per_mtok(cost['national'])} generated (money only, no penalties).")
    if isinstance(meta.get("output_tokens_served_per_year"), (int, float)):
        lines.append(f"Output tokens served per year: {meta['output_tokens_served_per_year']:,.3g}.")
    lines += _token_split_and_energy(meta)
    parts = [tables.records_table(f"Cost per million tokens by {key.removeprefix('by_')}",
                                  [{key.removeprefix("by_"): k, "USD per million tokens": v} for k, v in value.items()])
             for key, value in cost.items() if key.startswith("by_") and isinstance(value, dict) and value]
    return [{"id": "cost_per_token", "title": "Cost per token", "text": " ".join(lines), "tables": parts, "images": []}]


def _token_split_and_energy(meta: dict) -> list[str]:
    """The input/output split of the cost and the energy and carbon per token, where plan.json has them."""
    lines = []
    split = (meta.get("cost_per_million_tokens_split_usd") or {}).get("national") or {}
    if all(isinstance(split.get(k), (int, float)) for k in ("input", "output")):
        lines.append(f"Split by the chips' time on prefill and decode: {units.usd_per_mtok(split['input'])} input, "
                     f"{units.usd_per_mtok(split['output'])} output.")
    energy = (meta.get("energy_and_carbon") or {}).get("national") or {}
    if all(isinstance(energy.get(k), (int, float)) for k in ("tokens_per_joule", "co2_t_per_million_tokens")):
        lines.append(f"Energy: {energy['tokens_per_joule']:,.3g} tokens per joule at the meter, "
                     f"{energy['energy_gwh_per_year']:,.0f} GWh a year; {energy['co2_t_per_million_tokens'] * 1e3:,.3g} "
                     f"kg CO2 per million tokens ({energy['co2_t_per_year']:,.4g} t a year).")
    return lines


def _appendix(plan, scenario, source: ScenarioSource | None, scenario_note: str) -> dict:
    values = scenario_values(source, scenario.model_dump(mode="json") if scenario is not None else None) if source else []
    counts = pd.Series([v.kind for v in values], dtype=object).value_counts().to_dict() if values else {}
    verification = plan.metadata.get("verification") or {}
    meta = plan.metadata
    run = [("scenario hash", plan.scenario_hash), ("solver", str(meta.get("solver", "n/a"))),
           ("status", str(plan.status)), ("gap", units.share(plan.gap, 3)),
           ("proven lower bound", units.money(plan.bound_usd, per_year=True))]
    run += [(f"problem size: {k.removeprefix('n_')}", units.count(v)) for k, v in (meta.get("problem_size") or {}).items()]
    run += [(f"version: {k}", str(v)) for k, v in (meta.get("versions") or {}).items()]
    if plan.timings_s:
        run.append(("time per stage [s]", ", ".join(f"{k} {v:.2f}" for k, v in plan.timings_s.items())))
    return {"scenario_rows": values, "value_counts": counts, "scenario_note": scenario_note,
            "overrides": list(source.overrides) if source else [], "sources": data_sources(),
            "verification": {"known": bool(verification), "ok": verification.get("ok"),
                             "checks": verification.get("checks", []), "violations": verification.get("violations", [])},
            "run": run}


def build_report(plan, source: ScenarioSource | None = None, *, generated: dt.datetime | None = None) -> Report:
    """The report of ``plan``. ``source`` (the scenario files and overrides) defaults to the one stored in
    the plan by ``planner solve``; without it the appendix says so and the map has no grid layer."""
    if source is not None:
        scenario, note = rebuild(source), "scenario files given to the report"
    else:
        scenario, source, note = scenario_for_plan(plan)
    iso3 = scenario.country_iso3 if scenario is not None else str(plan.metadata.get("country_iso3", ""))
    year = scenario.year if scenario is not None else None
    country = _country_name(iso3) if iso3 else plan.scenario_name
    title = f"{country}{f' {year}' if year else ''}: where to build AI infrastructure"
    colours = figures.chip_colours(plan.fleet["chip"].unique() if len(plan.fleet) else [])
    regions, grid = _regions(plan, scenario), _grid(plan, scenario)
    made = _figures(plan, scenario, regions, grid, iso3, f"{country} {year or ''}: sites, demand, served links and grid",
                    colours)
    budgets = _budgets(scenario)
    money_t, penalty_t = tables.cost_tables(plan.costs, *summary.money_and_penalties(plan)) if len(plan.costs) else (None, None)
    zones_t, lines_t = tables.grid_tables(plan.grid_zones, plan.grid_lines, grid.places(regions, plan.grid_lines["line"].head(10)) if grid else None)
    exposure = summary.policy_exposure(plan)
    context = {
        "title": title, "scenario_name": plan.scenario_name, "country": country, "year": year,
        "description": getattr(scenario, "description", "") or "",
        "generated": (generated or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC"),
        "has_solution": plan.has_solution, "status": str(plan.status),
        "verified": (plan.metadata.get("verification") or {}).get("ok"),
        "key_figures": _key_figures(plan),
        "summary": {"build": summary.what_to_build(plan, year) if plan.has_solution else "The solver found no plan.",
                    "cost": summary.cost_sentence(plan), "service": summary.service_sentence(plan),
                    "risks": summary.risks(plan, budgets), "assumptions": summary.assumption_sentences(scenario, plan.metadata.get("policy"))},
        "tables": {"sites": tables.sites_table(plan.sites), "candidates": tables.candidate_sites_table(plan.sites),
                   "fleet": tables.fleet_table(plan.fleet, plan.metadata.get("chip_policy") or {}),
                   "fleet_by_site": tables.fleet_by_site_table(plan.fleet, plan.sites),
                   "power": tables.power_cooling_table(plan.sites), "money": money_t, "penalties": penalty_t,
                   "zones": zones_t, "lines": lines_t,
                   "service": tables.service_table(plan.unmet, plan.serving, budgets),
                   "unmet": tables.unmet_table(plan.unmet, plan.metadata.get("unmet_reasons"))},
        "exposure": exposure, "optional": _optional_sections(plan),
        "appendix": _appendix(plan, scenario, source, note),
    }
    report = Report(context, {name: figures.to_data_uri(fig) for name, fig in made.items()})
    report.html = render_html(report)
    return report


def template_environment():
    """The report templates, escaping every value (names may hold HTML characters)."""
    try:
        import jinja2
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise ImportError("the report needs jinja2 and matplotlib: pip install 'planner[report]'") from error
    return jinja2.Environment(loader=jinja2.PackageLoader("planner.report", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


def render_html(report: Report) -> str:
    environment = template_environment()
    css = environment.loader.get_source(environment, "report.css")[0]
    return environment.get_template("report.html.j2").render(css=css, images=report.images, **report.context)
