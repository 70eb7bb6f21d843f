"""`planner demand`: the agent-density forecast of a scenario: the plan-year table by region and class,
national totals by year, training demand, optional elasticities, map and chart."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from planner.commands._common import user_errors_exit_2
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
    return peak.round(2)


@click.command()
@click.argument("scenario", required=False)
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a scenario value, e.g. --set demand.agents_per_capita=2 (repeatable).")
@click.option("--year", type=int, default=None, help="Year of the regional table (default: the plan year).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the demand map (.png or .svg).")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the demand-over-years chart by service class (.png or .svg).")
@click.option("--sensitivity", "with_sensitivity", is_flag=True, help="Also print elasticities of the peak total.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@user_errors_exit_2
def demand(scenario, overrides, year, map_path, chart_path, with_sensitivity, as_json):
    """Forecast inference demand (M tokens/s at peak, generated tokens) and training compute of SCENARIO."""
    from planner.demand import forecast, national_totals, sensitivity, training_demand
    from planner.demand.curves import forecast_years
    from planner.geo.regions import regions_for
    from planner.scenario.load import load_scenario

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
    _write_plots(table, regions, totals, loaded, year, map_path, chart_path)
    if as_json:
        click.echo(json.dumps(_document(loaded, year, table, totals, training, elasticities), indent=2))
        return
    _print_tables(loaded, year, regions, table, totals, training, elasticities)


def _print_tables(loaded, year, regions, table, totals, training, elasticities) -> None:
    from planner.demand.curves import population_factor

    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_rows", 500):
        click.echo(f"Demand forecast '{loaded.name}' ({loaded.country_iso3}), peak M tokens/s (generated: "
                   "visible + reasoning)\n")
        click.echo(f"By region, {year} (each region at its own local busy hour):")
        factor = population_factor(year, loaded.year, loaded.demand)
        click.echo(_region_table(table, regions, year, factor).to_string())
        click.echo("\nNational totals by year (sum of regional peaks; coincident = national peak across time zones "
                   "and classes):")
        click.echo(_totals_table(totals).to_string())
        click.echo(f"\nTraining: {training.sustained_flops:.3e} FLOP/s sustained; largest run "
                   f"{training.largest_run_flops:.3e} FLOP/s at one site")
        if elasticities is not None:
            click.echo("\nElasticity of the plan-year peak total (d ln total / d ln knob):")
            click.echo(elasticities[["knob", "value", "elasticity"]].round(3).to_string(index=False))


def _write_plots(table, regions, totals, loaded, year, map_path, chart_path) -> None:
    from planner.demand.plots import demand_chart, demand_map

    if map_path is not None:
        demand_map(table, regions, loaded.country_iso3, year, map_path)
        click.echo(f"Wrote {map_path}", err=True)
    if chart_path is not None:
        demand_chart(totals, chart_path, title=f"{loaded.name}: peak inference demand by service class")
        click.echo(f"Wrote {chart_path}", err=True)


def _document(loaded, year, table, totals, training, elasticities) -> dict:
    return {"scenario": loaded.name, "country_iso3": loaded.country_iso3, "plan_year": loaded.year, "year": year,
            "forecast": table.to_dict(orient="records"),
            "national_totals": totals.reset_index().to_dict(orient="records"),
            "training": {"sustained_flops": training.sustained_flops, "largest_run_flops": training.largest_run_flops},
            "sensitivity": None if elasticities is None else elasticities.to_dict(orient="records")}
