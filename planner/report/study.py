"""The comparison report of a study folder written by ``planner sweep``: the study's definition, one row per
run (state, cost in money and penalties, unmet demand, chips, MW, controlled share, a link to its folder),
outcome-against-parameter charts, Pareto fronts, Monte Carlo percentiles and distributions, and the failures
with their messages. One self-contained HTML file, like the siting report (same stylesheet, images inline).

Each section is a function of the study's tables returning a section dict (id, title, text, tables, images),
so sections can be added without touching the others.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from markupsafe import Markup

from planner.report import figures, units
from planner.report.tables import Table, records_table
from planner.results import Plan
from planner.studies.compare import DEFAULT_PERCENTILES, MC_OUTPUTS, finished, pareto_front, percentiles
from planner.studies.outputs import DERIVED
from planner.studies.plots import SAME_RTOL
from planner.studies.store import MANIFEST, RunState, StudyStore
from planner.studies.table import load

RUN_SUMMARY = ("objective_usd", "cost_usd_per_year", "penalty_usd_per_year", "gap", "unmet_share", "chips_total",
               "it_mw", "grid_mw", "controlled_chip_share", "sites_open", "verified")
"""What the report reads from every finished run's folder, whatever outputs the study collected."""
OUTCOMES = ("objective_usd", "chips_total", "it_mw", "controlled_chip_share", "unmet_share")
"""Outcomes charted against each parameter (those that vary)."""
MAX_OUTCOME_CHARTS = 6
MAX_LINES = 6
TRACEBACK_LINES = 12


def is_study_dir(directory: Path) -> bool:
    """A study output folder (``planner sweep --out``): it has a manifest."""
    return (Path(directory) / MANIFEST).is_file()


@dataclass
class StudyData:
    """A study folder read back: its manifest, the results table (one row per point) with the run summaries
    joined, and the parameters it varies."""

    directory: Path
    manifest: dict
    table: pd.DataFrame
    parameters: list[str]

    @property
    def monte_carlo(self) -> bool:
        return bool(self.manifest.get("monte_carlo"))

    @property
    def policy_parameters(self) -> list[str]:
        """Parameters set by the grid and the cases (not drawn): what a Monte Carlo study compares."""
        drawn = set(((self.manifest.get("study_definition") or {}).get("monte_carlo") or {}).get("parameters") or {})
        return [p for p in self.parameters if p not in drawn]


def _run_summary(plan: Plan, chips: pd.DataFrame) -> dict:
    row = {"objective_usd": plan.objective_usd, "cost_usd_per_year": plan.cost_usd_per_year,
           "penalty_usd_per_year": plan.penalty_usd_per_year, "gap": plan.gap}
    for name in ("unmet_share", "chips_total", "it_mw", "grid_mw", "controlled_chip_share", "sites_open",
                 "verified"):
        row.update(DERIVED[name](plan, chips))
    return row


def read_study(directory: str | Path) -> StudyData:
    """The study in ``directory`` with the summary of each finished run read from its folder."""
    directory = Path(directory)
    table = load(directory)
    store = StudyStore(directory)
    manifest = store.read_manifest()
    summaries = {}
    for key in {str(h)[:16] for h in table.loc[table["state"].map(lambda s: RunState(s).is_finished), "scenario_hash"]}:
        summaries[key] = _run_summary(*store.read_plan(key))
    keys = table["scenario_hash"].astype(str).str[:16]
    joined = pd.DataFrame([summaries.get(k, {}) for k in keys], index=table.index, columns=list(RUN_SUMMARY))
    table = table.drop(columns=[c for c in RUN_SUMMARY if c in table.columns]).join(joined).assign(key=keys)
    return StudyData(directory, manifest, table, list(manifest.get("parameters") or []))


# -- cells -------------------------------------------------------------------------------------------------

def _value(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "base"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _href(target: Path, out: Path) -> str:
    """``target`` relative to the report's folder, as a URL path."""
    return Path(os.path.relpath(Path(target).absolute(), Path(out).absolute().parent)).as_posix()


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def varying(table: pd.DataFrame, column: str, rtol: float = SAME_RTOL) -> bool:
    """The column has finite values among the finished runs that differ by more than ``rtol`` of their
    magnitude (closer ones differ by solver rounding only)."""
    if column not in table.columns:
        return False
    values = _numeric(finished(table)[column]).dropna()
    if values.nunique() < 2:
        return False
    return float(values.max() - values.min()) > rtol * float(values.abs().max())


# -- sections ----------------------------------------------------------------------------------------------

def _section(id_: str, title: str, text: str = "", tables=(), images=(), details=()) -> dict:
    return {"id": id_, "title": title, "text": text, "tables": list(tables), "images": list(images),
            "details": list(details)}


def key_figures(data: StudyData) -> list[tuple[str, str]]:
    table, counts = data.table, data.manifest.get("counts") or {}
    runs = table.drop_duplicates("key")
    states = runs["state"].value_counts()
    done = finished(runs)
    cost = done["objective_usd"].dropna()
    wall = pd.to_numeric(runs["wall_s"], errors="coerce").sum()
    return [("points", units.count(len(table))), ("distinct runs", units.count(counts.get("runs", len(runs)))),
            ("optimal", units.count(states.get("optimal", 0))), ("at the time limit", units.count(states.get("time_limit", 0))),
            ("failed or lost", units.count(states.get("failed", 0) + states.get("lost", 0))),
            ("lowest yearly cost", units.money(cost.min() if len(cost) else math.nan, per_year=True)),
            ("highest yearly cost", units.money(cost.max() if len(cost) else math.nan, per_year=True)),
            ("solver wall time (sum)", f"{wall:,.0f} s" if wall else "n/a")]


def overview_text(data: StudyData) -> str:
    runs = data.table.drop_duplicates("key")
    pending = int((~runs["state"].isin([str(s) for s in RunState if s.is_finished] + ["failed", "lost"])).sum())
    done = finished(runs)
    parts = [f"{len(data.table)} points ({len(runs)} distinct scenarios) over "
             + (", ".join(data.parameters) if data.parameters else "no parameter") + "."]
    if len(done):
        cheapest = done.loc[done["objective_usd"].idxmin()]
        parts.append(f"Cheapest run: point {int(cheapest['point'])} at "
                     f"{units.money(cheapest['objective_usd'], per_year=True)}"
                     + (f" ({_parameters_text(cheapest, data.parameters)})" if data.parameters else "") + ".")
    if pending:
        parts.append(f"{pending} run(s) have not finished: the study is incomplete (run `planner sweep` again "
                     "into the same folder to resume it).")
    return " ".join(parts)


def _parameters_text(row: pd.Series, parameters: list[str]) -> str:
    return ", ".join(f"{p} = {_value(row[p])}" for p in parameters)


def definition_section(data: StudyData) -> dict:
    """What the study varies and how: base, fixed values, grid, cases, Monte Carlo, outputs, solver."""
    definition = data.manifest.get("study_definition") or {}
    rows = [("study file", data.manifest.get("source", "")), ("base scenario", definition.get("base", ""))]
    rows += [(f"set {k}", _value(v)) for k, v in (definition.get("set") or {}).items()]
    rows += [(f"grid {k}", ", ".join(map(_value, v))) for k, v in (definition.get("grid") or {}).items()]
    rows += [(f"case {i}", ", ".join(f"{k} = {_value(v)}" for k, v in case.items()))
             for i, case in enumerate(definition.get("cases") or [])]
    monte_carlo = definition.get("monte_carlo")
    if monte_carlo:
        rows.append(("Monte Carlo", f"{monte_carlo.get('draws')} draws, seed {monte_carlo.get('seed')}"))
        rows += [(f"draw {k}", ", ".join(f"{a} {_value(b)}" for a, b in spec.items()))
                 for k, spec in (monte_carlo.get("parameters") or {}).items()]
    rows.append(("outputs", ", ".join(map(str, definition.get("outputs") or []))))
    rows += [(f"solver {k}", _value(v)) for k, v in (definition.get("solver") or {}).items() if v is not None]
    table = Table("Study definition", ["key", "value"], [list(map(str, r)) for r in rows], numeric=[False, False])
    text = yaml.safe_dump(definition, sort_keys=False, allow_unicode=True)
    return _section("definition", "What the study varies", tables=[table],
                    details=[("The study as run (YAML)", text)])


def _run_links(row: pd.Series, data: StudyData, out: Path) -> Markup | str:
    folder = data.directory / "runs" / str(row["key"])
    if not (folder / "plan.json").is_file():
        return ""
    links = [_link(_href(folder / "plan.json", out), "plan")]
    if (folder / "report.html").is_file():
        links.append(_link(_href(folder / "report.html", out), "report"))
    return Markup(" · ").join(links)


def results_section(data: StudyData, out: Path) -> dict:
    """One row per point: its parameters, state and the run's outcomes in display units, a link to its folder."""
    table = data.table
    columns = ["point", *(["draw"] if data.monte_carlo else []), *data.parameters, "state", "yearly cost", "money",
               "penalties", "gap", "unmet", "chips", "IT load", "grid", "controlled share", "sites", "wall",
               "run folder"]
    rows = []
    for _, row in table.iterrows():
        ok = RunState(row["state"]).is_finished
        outcome = [units.money(row["objective_usd"]), units.money(row["cost_usd_per_year"]),
                   units.money(row["penalty_usd_per_year"]), units.share(row["gap"], 2), units.share(row["unmet_share"], 2),
                   units.count(row["chips_total"]), units.power_mw(row["it_mw"]), units.power_mw(row["grid_mw"]),
                   units.share(row["controlled_chip_share"], 1), units.count(row["sites_open"])] if ok else [""] * 10
        wall = pd.to_numeric(pd.Series([row.get("wall_s")]), errors="coerce").iloc[0]
        rows.append([str(int(row["point"])), *([_value(row["draw"])] if data.monte_carlo else []),
                     *(_value(row[p]) for p in data.parameters), str(row["state"]), *outcome,
                     f"{wall:,.1f} s" if math.isfinite(wall) else "", _run_links(row, data, out)])
    numeric = [True, *([True] if data.monte_carlo else []), *([False] * len(data.parameters)), False,
               *([True] * 11), False]
    note = ("Yearly cost = money + penalties (penalties price unserved demand and latency; they are not cash). "
            "Unmet: share of peak inference demand not served. Controlled share: share of the chips bought that are "
            "US export-controlled. Points that lead to the same scenario share one run.")
    return _section("results", "Results by run", tables=[Table("Every point of the study", columns, rows, note, numeric)])


def _chart_table(data: StudyData) -> pd.DataFrame:
    """Finished runs with numeric parameters; for a Monte Carlo study, the median over the draws of each
    combination of the grid and case values."""
    rows = finished(data.table).copy()
    for p in data.parameters:
        numeric = _numeric(rows[p])
        if numeric.notna().all():
            rows[p] = numeric
    policy = data.policy_parameters
    if data.monte_carlo and policy:
        outcomes = [c for c in OUTCOMES if c in rows.columns]
        rows = rows.groupby(policy, dropna=False)[outcomes].median().reset_index().assign(state="optimal")
    return rows


def outcome_section(data: StudyData) -> dict | None:
    """Each varying parameter against the outcomes that vary (one line per value of a second parameter)."""
    from planner.studies.plots import plot_outcomes

    rows = _chart_table(data)
    candidates = data.policy_parameters if data.monte_carlo else data.parameters
    numeric = [p for p in candidates if p in rows.columns and pd.api.types.is_numeric_dtype(rows[p]) and varying(rows, p)]
    outcomes = [c for c in OUTCOMES if varying(rows, c)]
    if not numeric or not outcomes:
        return None
    images = []
    for parameter in numeric[:MAX_OUTCOME_CHARTS]:
        others = [p for p in candidates if p != parameter and p in rows.columns
                  and 2 <= rows[p].nunique(dropna=False) <= MAX_LINES]
        by = others[0] if others and len(candidates) == 2 else None
        plotted = rows.assign(**{by: rows[by].map(_value)}) if by else rows
        images.append(figures.to_data_uri(plot_outcomes(plotted.dropna(subset=[parameter]), parameter, outcomes, by=by)))
    text = "Medians over the Monte Carlo draws of each combination." if data.monte_carlo else ""
    return _section("outcomes", "Outcomes against the parameters", text=text, images=images)


def pareto_pairs(data: StudyData) -> list[tuple[dict[str, str], str]]:
    """Trade-offs worth a front: cost against the controlled-chip share, against unmet demand, and against
    each latency budget the study varies (a lower budget is better service)."""
    rows = finished(data.table)
    pairs = []
    for column in ("controlled_chip_share", "unmet_share"):
        if varying(rows, column) and varying(rows, "objective_usd"):
            pairs.append(({"objective_usd": "min", column: "min"}, column))
    for parameter in data.parameters:
        if parameter.endswith("_ms") and varying(rows, parameter):
            pairs.append(({"objective_usd": "min", parameter: "min"}, parameter))
    return pairs


def pareto_section(data: StudyData) -> dict | None:
    from planner.studies.plots import plot_pareto

    pairs = pareto_pairs(data)
    if not pairs:
        return None
    rows = finished(data.table).copy()
    for p in data.parameters:
        if _numeric(rows[p]).notna().all():
            rows[p] = _numeric(rows[p])
    images, tables_ = [], []
    for objectives, label in pairs:
        images.append(figures.to_data_uri(plot_pareto(rows, objectives)))
        front = pareto_front(rows, objectives)
        extra = [] if label in data.parameters else [label]
        body = [[str(int(r["point"])), *(_value(r[p]) for p in data.parameters), units.money(r["objective_usd"]),
                 *(units.share(r[c]) if c.endswith("_share") else _value(r[c]) for c in extra)]
                for _, r in front.iterrows()]
        tables_.append(Table(f"Pareto front: yearly cost against {label}",
                             ["point", *data.parameters, "yearly cost", *extra], body,
                             numeric=[True, *([False] * len(data.parameters)), True, *([True] * len(extra))]))
    text = ("Runs no other run beats on both axes (lower is better on both). A point off the front is dominated: "
            "another run costs no more and does at least as well on the other axis.")
    return _section("pareto", "Pareto fronts", text=text, tables=tables_, images=images)


def _display(output: str, value: float) -> str:
    if output.endswith("_usd"):
        return units.money(value)
    if output.endswith("_mw"):
        return units.power_mw(value)
    if output.endswith("_share"):
        return units.share(value)
    return units.count(value) if output.startswith("chips") else units.number(value)


def monte_carlo_section(data: StudyData) -> dict | None:
    """Percentiles of cost, chips and MW over the draws (per grid/case combination where there are several),
    and their distributions."""
    from planner.studies.plots import plot_distributions

    if not data.monte_carlo or finished(data.table).empty:
        return None
    rows = finished(data.table)
    outputs = [o for o in MC_OUTPUTS if o in rows.columns and rows[o].notna().any()]
    by = [p for p in data.policy_parameters if rows[p].map(_value).nunique() >= 2]
    grouped = rows.assign(**{p: rows[p].map(_value) for p in by})
    summary = percentiles(grouped, outputs, by=by or None).reset_index()
    q = [f"p{p:g}" for p in DEFAULT_PERCENTILES]
    body = [[*(str(r[p]) for p in by), r["output"], units.count(r["count"]), _display(r["output"], r["mean"]),
             *(_display(r["output"], r[c]) for c in q)] for _, r in summary.iterrows()]
    table = Table("Distribution over the draws", [*by, "output", "runs", "mean", *q], body,
                  "Percentiles over the finished draws (linear interpolation between runs).",
                  [*([False] * len(by)), False, *([True] * (2 + len(q)))])
    images = [figures.to_data_uri(plot_distributions(rows, outputs))]
    draws = ((data.manifest.get("study_definition") or {}).get("monte_carlo") or {}).get("draws")
    text = (f"{draws} draws of the uncertain values from one seeded stream; every grid point and case sees the same "
            "draws, so policies are compared on the same futures.")
    return _section("monte_carlo", "Monte Carlo: distributions and percentiles", text=text, tables=[table],
                    images=images)


def failures_section(data: StudyData) -> dict | None:
    """Runs that failed, were lost with their worker, or stopped at the time limit, with their messages."""
    runs = data.manifest.get("runs") or {}
    table = data.table.drop_duplicates("key")
    bad = table[table["state"].isin(["failed", "lost", "time_limit", "no_solution", "pending", "running"])]
    if bad.empty:
        return None
    points = data.table.groupby("key")["point"].apply(lambda s: ", ".join(str(int(p)) for p in s))
    body = [[str(r["key"]), points[r["key"]], str(r["state"]), _parameters_text(r, data.parameters),
             str(r.get("message") or ""), str(runs.get(r["key"], {}).get("attempts", ""))] for _, r in bad.iterrows()]
    details = [(f"run {r['key']}: traceback (last lines)", "\n".join(runs[r["key"]]["traceback"][-TRACEBACK_LINES:]))
               for _, r in bad.iterrows() if runs.get(r["key"], {}).get("traceback")]
    note = ("Failed and lost runs are retried by the next `planner sweep` into this folder; runs at the time limit "
            "keep their best plan and gap.")
    return _section("failures", "Failures, time-outs and unfinished runs",
                    tables=[Table("Runs that did not finish optimally", ["run", "points", "state", "parameters",
                                                                         "message", "attempts"], body, note,
                                  [False, False, False, False, False, True])],
                    details=details)


def run_summaries_section(data: StudyData) -> dict:
    """The manifest's record of each distinct run: where and when it ran."""
    runs = data.manifest.get("runs") or {}
    records = [{"run": key, "state": entry.get("state"), "started": entry.get("started"),
                "finished": entry.get("finished"), "worker": entry.get("worker"), "wall_s": entry.get("wall_s"),
                "solve_s": entry.get("solve_s"), "resumed": entry.get("resumed"), "attempts": entry.get("attempts")}
               for key, entry in runs.items()]
    return _section("runs", "Run log", tables=[records_table("Where and when each distinct run was solved", records)])


def sections(data: StudyData, out: Path) -> list[dict]:
    made = [definition_section(data), results_section(data, out), outcome_section(data), pareto_section(data),
            monte_carlo_section(data), failures_section(data), run_summaries_section(data)]
    return [s for s in made if s is not None]


def build_study_context(data: StudyData, out: Path, generated: dt.datetime | None = None) -> dict:
    definition = data.manifest.get("study_definition") or {}
    return {"title": f"Study {data.manifest.get('study', '')}: comparison of {len(data.table)} points",
            "study_name": data.manifest.get("study", ""), "description": definition.get("description") or "",
            "generated": (generated or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC"),
            "updated": data.manifest.get("updated", ""), "key_figures": key_figures(data),
            "overview": overview_text(data), "sections": sections(data, out)}


def render_study_html(context: dict) -> str:
    from planner.report.build import template_environment

    environment = template_environment()
    css = environment.loader.get_source(environment, "report.css")[0]
    return environment.get_template("study.html.j2").render(css=css, **context)


def build_study_report(directory: str | Path, out: str | Path | None = None,
                       generated: dt.datetime | None = None) -> str:
    """The HTML of the comparison report of the study in ``directory``; links are relative to ``out``
    (default ``directory/report.html``)."""
    directory = Path(directory)
    out = Path(out) if out is not None else directory / "report.html"
    data = read_study(directory)
    return render_study_html(build_study_context(data, out, generated))



__all__ = ["StudyData", "build_study_report", "is_study_dir", "read_study"]
