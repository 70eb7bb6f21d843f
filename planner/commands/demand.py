"""`planner demand`: the agent-density forecast of a scenario: the plan-year table by region and class,
national totals by year, training demand, optional elasticities, map and chart; and
`planner demand calibrate`: the modelled base year beside the observed anchors."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from planner.commands._common import user_errors_exit_2
from planner.commands._tables import echo_table
from planner.extras import require_extra
from planner.errors import Problem, ScenarioError

MEGA = 1e6


def _region_table(table: pd.DataFrame, regions: pd.DataFrame, year: int, population_factor: float) -> pd.DataFrame:
    """Peak M tokens/s by region (rows) and class (columns), with the year's population and a total column."""
    of_year = table[table["year"] == year]
    wide = of_year.pivot(index="region", columns="service_class", values="tokens_per_s_peak") / MEGA
    wide = wide[list(dict.fromkeys(of_year["service_class"]))].reindex(regions.index)
    wide["total"] = wide.sum(axis=1)
    wide.insert(0, "population_m", regions["population"] * population_factor / MEGA)
    return wide.round(2)


def _totals_table(totals: pd.DataFrame) -> pd.DataFrame:
    """Peak M tokens/s by year (rows) and class, with the total, the coincident peak and the mean."""
    peak = totals["tokens_per_s_peak"].unstack("service_class") / MEGA
    order = list(dict.fromkeys(totals.index.get_level_values("service_class")))
    peak = peak[order]
    of_total = totals.xs("total", level="service_class")
    peak["coincident"] = of_total["tokens_per_s_peak_coincident"] / MEGA
    peak["mean"] = of_total["tokens_per_s_mean"] / MEGA
    peak["input"] = of_total["input_tokens_per_s_peak"] / MEGA
    return peak.round(2)


class _ForecastByDefault(click.Group):
    """`planner demand [SCENARIO] ...` runs the forecast; `planner demand calibrate ...` the calibration."""

    def parse_args(self, ctx, args):
        if args and args[0] in self.commands:
            return super().parse_args(ctx, args)
        if args in (["-h"], ["--help"]):
            return super().parse_args(ctx, args)
        return super().parse_args(ctx, ["forecast", *args])


@click.group(cls=_ForecastByDefault)
def demand():
    """Forecast inference demand (M tokens/s at peak, generated tokens) and training compute of SCENARIO.

    `planner demand calibrate` sets the modelled base year beside the observed anchors.

    \b
    planner demand [SCENARIO] [--year Y] [--map F] [--chart F] [--sensitivity] [--band] [--json]
    planner demand calibrate [SCENARIO | --country ISO3] [--json]"""


@demand.command("forecast")
@click.argument("scenario", required=False)
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a scenario value, e.g. --set demand.agents_per_capita=2 (repeatable).")
@click.option("--year", type=int, default=None, help="Year of the regional table (default: the plan year).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the demand map (.png or .svg).")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the demand-over-years chart by service class (.png or .svg).")
@click.option("--sensitivity", "with_sensitivity", is_flag=True, help="Also print elasticities of the peak total.")
@click.option("--band", "with_band", is_flag=True,
              help="Also print the plan-year peak with every growth knob low / central / high, and each knob's swing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@user_errors_exit_2
def forecast_command(scenario, overrides, year, map_path, chart_path, with_sensitivity, with_band, as_json):
    """Forecast inference demand (M tokens/s at peak, generated tokens) and training compute of SCENARIO."""
    from planner.demand import forecast, national_totals, sensitivity, training_demand
    from planner.demand.curves import forecast_years
    from planner.demand.ranges import band, swings
    from planner.geo.regions import regions_for
    from planner.scenario.load import load_scenario

    if map_path is not None or chart_path is not None:
        require_extra("plot", "--map and --chart")
    loaded = load_scenario(scenario, overrides)
    year = loaded.year if year is None else year
    first = forecast_years(loaded.year, loaded.demand)[0]
    if year < first:
        raise ScenarioError([Problem("--year", "year", f"must be {first} (the forecast's base year) or later", year)])
    regions = regions_for(loaded)
    table = forecast(loaded, regions, years=range(first, max(year, loaded.year) + 1))
    totals = national_totals(table, regions, loaded)
    training = training_demand(loaded)
    elasticities = sensitivity(loaded, regions=regions) if with_sensitivity else None
    ranged = (band(loaded, regions), swings(loaded, regions)) if with_band else None
    _write_plots(table, regions, totals, loaded, year, map_path, chart_path)
    if as_json:
        click.echo(json.dumps(_document(loaded, year, table, totals, training, elasticities, ranged), indent=2))
        return
    _print_tables(loaded, year, regions, table, totals, training, elasticities)
    if ranged is not None:
        _print_band(*ranged)


def _print_band(band_table: pd.DataFrame, swing_table: pd.DataFrame) -> None:
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        click.echo("")
        echo_table((band_table.set_index("case") / MEGA).round(2), "Plan-year peak with every growth knob low / "
                   "central / high (M tokens/s; input = prompt and context read)")
        click.echo("")
        shown = swing_table.assign(**{c: swing_table[c] / MEGA for c in swing_table.columns if c.startswith("tokens")})
        echo_table(shown.round(3), "One knob at a time (plan-year peak, M tokens/s)", index=False)


def _print_tables(loaded, year, regions, table, totals, training, elasticities) -> None:
    from planner.demand.curves import population_factor

    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_rows", 500):
        click.echo(f"Demand forecast '{loaded.name}' ({loaded.country_iso3}), peak M tokens/s (generated: "
                   "visible + reasoning)\n")
        factor = population_factor(year, loaded.year, loaded.demand)
        echo_table(_region_table(table, regions, year, factor), f"By region, {year} (each region at its own local "
                   "busy hour)")
        click.echo("")
        echo_table(_totals_table(totals), "National totals by year (sum of regional peaks; coincident = national "
                   "peak across time zones and classes; input = prompt and context tokens/s read at the peak)")
        click.echo(f"\nTraining: {training.sustained_flops:.3e} FLOP/s sustained; largest run "
                   f"{training.largest_run_flops:.3e} FLOP/s at one site")
        if elasticities is not None:
            click.echo("")
            echo_table(elasticities[["knob", "value", "elasticity"]].round(3),
                       "Elasticity of the plan-year peak total (d ln total / d ln knob)", index=False)


def _write_plots(table, regions, totals, loaded, year, map_path, chart_path) -> None:
    from planner.demand.plots import demand_chart, demand_map

    if map_path is not None:
        demand_map(table, regions, loaded.country_iso3, year, map_path)
        click.echo(f"Wrote {map_path}", err=True)
    if chart_path is not None:
        demand_chart(totals, chart_path, title=f"{loaded.name}: peak inference demand by service class")
        click.echo(f"Wrote {chart_path}", err=True)


def _document(loaded, year, table, totals, training, elasticities, ranged=None) -> dict:
    return {"scenario": loaded.name, "country_iso3": loaded.country_iso3, "plan_year": loaded.year, "year": year,
            "forecast": table.to_dict(orient="records"),
            "national_totals": totals.reset_index().to_dict(orient="records"),
            "training": {"sustained_flops": training.sustained_flops, "largest_run_flops": training.largest_run_flops},
            "sensitivity": None if elasticities is None else elasticities.to_dict(orient="records"),
            "band": None if ranged is None else ranged[0].to_dict(orient="records"),
            "swings": None if ranged is None else ranged[1].to_dict(orient="records")}


@demand.command("calibrate")
@click.argument("scenario", required=False)
@click.option("--country", default=None, metavar="ISO3",
              help="Calibrate the shared defaults (base.yaml) for this country instead of a scenario.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a scenario value (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@user_errors_exit_2
def calibrate_command(scenario, country, overrides, as_json):
    """The modelled base year of SCENARIO (or of --country) beside the anchors it was calibrated on and the
    ones it was not: adoption by date, tokens per user against global volumes, chat intensity, growth."""
    from planner.demand.calibrate import calibration_report, country_demand
    from planner.scenario.load import load_scenario

    if scenario and country:
        raise ScenarioError([Problem("--country", "country", "give a SCENARIO or --country, not both", country)])
    if country:
        demand_cfg, iso3, plan_year, workloads = country_demand(country.upper(), overrides)
        name = f"{iso3} (shared defaults)"
    else:
        loaded = load_scenario(scenario, overrides)
        demand_cfg, iso3, plan_year, name = loaded.demand, loaded.country_iso3, loaded.year, loaded.name
        workloads = {str(q): c.workload or str(q) for q, c in loaded.service_classes.items() if q in demand_cfg.classes}
    report = calibration_report(demand_cfg, iso3, plan_year, workloads)
    if as_json:
        click.echo(json.dumps({"scenario": name, **report}, indent=2))
        return
    _print_calibration(name, report)


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return " - ".join(_fmt(v) for v in value)
    return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"


def _print_calibration(name: str, report: dict) -> None:
    observed = report["adoption_share_observed"]
    click.echo(f"Base year {report['base_year']} of '{name}' ({report['country_iso3']})")
    click.echo(f"  adoption (AI users / working-age people, mid-year): modelled {report['adoption_share_modelled']:.3f}"
               f", observed {_fmt(observed)}")
    click.echo(f"  tokens per AI user-day (enterprise use included): output {report['output_tokens_per_user_day']:,.0f}"
               f" (visible + reasoning), input {report['input_tokens_per_user_day']:,.0f}")
    estimates = ", ".join(f"{k} {v:.2f}" for k, v in report["usage_intensity_estimates"].items()) or "none published"
    click.echo(f"  usage intensity relative to the world: {report['usage_intensity_relative_to_world']:.2f} "
               f"(estimates: {estimates})")
    for title, flag in (("Calibrated on", True), ("Checked against (not used in the calibration)", False)):
        rows = [a for a in report["anchors"] if a["calibrated_on"] is flag]
        if not rows:
            continue
        click.echo(f"\n{title}:")
        table = pd.DataFrame([{"quantity": a["quantity"], "observed": _fmt(a["observed"]),
                               "modelled": _fmt(a["modelled"]), "unit": a["unit"]} for a in rows])
        with pd.option_context("display.width", 200, "display.max_colwidth", 100):
            echo_table(table, index=False)
